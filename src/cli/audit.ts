/**
 * `airlock audit`: placeholder until its owner lands it.
 *
 * @module
 */

import type { Command } from "commander";

/**
 * Registers `airlock audit`.
 *
 * @param program The root program.
 */
export function register(program: Command): void {
  void program;
}
