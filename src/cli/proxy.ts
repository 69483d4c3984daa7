/**
 * `airlock proxy`: placeholder until its owner lands it.
 *
 * @module
 */

import type { Command } from "commander";

/**
 * Registers `airlock proxy`.
 *
 * @param program The root program.
 */
export function register(program: Command): void {
  void program;
}
