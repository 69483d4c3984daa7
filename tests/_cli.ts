/**
 * Test helper: runs the real `airlock` CLI (`deno run -A main.ts …`) in a subprocess.
 *
 * @module
 */

import { type ProcessResult, runProcess } from "./_process.ts";

/** The repository root (absolute, with a trailing slash). */
export const REPO = new URL("..", import.meta.url).pathname;

/** The result of one CLI run. */
export type CliResult = ProcessResult;

/** Options for {@linkcode runCli}. */
export interface RunCliOptions {
  /** Working directory (default: the repository root). */
  cwd?: string;
  /** Extra or overriding environment variables. */
  env?: Record<string, string>;
  /** Run with exactly this environment (no inheritance). */
  clearEnv?: boolean;
  /** Bytes for standard input (default: none). */
  stdin?: string;
}

/**
 * Runs `airlock ARGS…` and collects its output.
 *
 * @param args The CLI arguments.
 * @param options Working directory, environment, stdin.
 * @returns Exit code, signal and output.
 */
export function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  return runProcess(Deno.execPath(), ["run", "-A", "--quiet", `${REPO}main.ts`, ...args], {
    ...options,
    cwd: options.cwd ?? REPO,
  });
}
