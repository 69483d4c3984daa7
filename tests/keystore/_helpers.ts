/**
 * Shared helpers for keystore and `airlock secret` tests: run `secret-tool` and the airlock
 * CLI as subprocesses, start nested keyring sessions (locked, no provider), make unique
 * names so parallel tests never collide.
 *
 * @module
 */

import { type ProcessResult, runProcess } from "../_process.ts";

/** True inside `scripts/keyring_session.sh` (CI runs every test there). */
export const HAS_KEYRING = Boolean(Deno.env.get("AIRLOCK_TEST_KEYRING"));

/** Why a keyring test is skipped outside a keyring session. */
export const NEEDS_KEYRING = !HAS_KEYRING;

const ROOT = new URL("../../", import.meta.url).pathname;

/** A finished subprocess. */
export type Run = ProcessResult;

/** Options of {@linkcode run}. */
export interface RunOptions {
  stdin?: string | Uint8Array;
  env?: Record<string, string>;
  /** Variables removed from the child's environment. */
  unset?: string[];
  cwd?: string;
}

/**
 * Runs a program to completion.
 *
 * @param program The executable.
 * @param args Its arguments.
 * @param options Input, environment changes, directory.
 * @returns Exit code and output.
 */
export function run(program: string, args: string[], options: RunOptions = {}): Promise<Run> {
  const env = Deno.env.toObject();
  for (const name of options.unset ?? []) delete env[name];
  Object.assign(env, options.env ?? {});
  return runProcess(program, args, {
    env,
    clearEnv: true,
    cwd: options.cwd ?? ROOT,
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
  });
}

/**
 * Runs `airlock ARGS…` (`deno run -A main.ts`).
 *
 * @param args The CLI arguments.
 * @param options Input, environment changes.
 * @returns Exit code and output.
 */
export function airlock(args: string[], options: RunOptions = {}): Promise<Run> {
  return run(Deno.execPath(), ["run", "-A", "--no-check", `${ROOT}main.ts`, ...args], options);
}

/**
 * Runs `airlock ARGS…` inside a fresh nested keyring session.
 *
 * @param mode `locked` (item `seeded` stored, then the collection locked), `empty` (a Secret
 * Service without any collection), `none` (a bus with no Secret Service) or `unlocked`.
 * @param args The CLI arguments.
 * @returns Exit code and output.
 */
export function airlockInSession(
  mode: "locked" | "empty" | "none" | "unlocked",
  args: string[],
): Promise<Run> {
  return run("bash", [
    `${ROOT}scripts/keyring_session.sh`,
    Deno.execPath(),
    "run",
    "-A",
    "--no-check",
    `${ROOT}main.ts`,
    ...args,
  ], { env: { AIRLOCK_KEYRING_MODE: mode } });
}

/**
 * Runs `secret-tool ARGS…`.
 *
 * @param args Its arguments.
 * @param stdin Input (for `store`).
 * @returns Exit code and output.
 */
export function secretTool(args: string[], stdin?: string | Uint8Array): Promise<Run> {
  return run("secret-tool", args, stdin === undefined ? {} : { stdin });
}

/**
 * A fresh account name, unique across parallel tests.
 *
 * @param prefix Readable part.
 * @returns `prefix-<random hex>`.
 */
export function uniqueName(prefix: string): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * A random printable secret that cannot appear by chance.
 *
 * @returns `sk-test-<32 random hex>`.
 */
export function randomSecret(): string {
  return `sk-test-${uniqueName("x").slice(2)}${uniqueName("y").slice(2)}`;
}
