/**
 * The launch plan: everything the exec helper needs to confine and exec the command, as
 * plain JSON. The parent computes it (so the helper makes no decisions) and passes it in
 * the helper's environment variable {@linkcode PLAN_ENV} (or, for a helper started early,
 * through the FIFO named by {@linkcode PLAN_FIFO_ENV}); neither reaches the command.
 *
 * @module
 */

import type { LandlockSpec } from "./landlock_rules.ts";
import type { SeccompOptions } from "./seccomp.ts";

/** The helper's environment variable carrying the JSON plan. */
export const PLAN_ENV = "AIRLOCK_SANDBOX_PLAN";

/**
 * Instead of {@linkcode PLAN_ENV}: the FIFO a prespawned helper reads its plan from
 * (`prespawn.ts`, `plan_pipe.ts`), one JSON line; an empty line means "exit quietly".
 */
export const PLAN_FIFO_ENV = "AIRLOCK_SANDBOX_PLAN_FIFO";

/** With {@linkcode PLAN_FIFO_ENV}: the pid of the airlock process the helper must not outlive. */
export const PLAN_PARENT_ENV = "AIRLOCK_SANDBOX_PARENT_PID";

/** What the exec helper does, step by step. */
export interface SandboxPlan {
  /** Absolute path of the program to exec (PATH already searched). */
  file: string;
  /** The command's argv (argv[0] as the user typed it). */
  argv: string[];
  /** The command's environment, `NAME=value` each. */
  envp: string[];
  /** The directory to run in. */
  cwd: string;
  /** The airlock process the helper must outlive no longer than. */
  parentPid: number;
  /** The Landlock ruleset, or null when Landlock is unavailable and dropped (best effort). */
  landlock: LandlockSpec | null;
  /** The seccomp filter, or null when seccomp is unavailable and dropped (best effort). */
  seccomp: SeccompOptions | null;
  /** macOS only: the Seatbelt profile (SBPL) to apply instead of Landlock and seccomp. */
  seatbelt?: string;
}

/**
 * Parses and shape-checks a plan.
 *
 * @param text The JSON text.
 * @returns The plan.
 * @throws {TypeError} When a field is missing or has the wrong type.
 * @example
 * ```ts
 * import { parsePlan } from "./plan.ts";
 * const plan = parsePlan(JSON.stringify({
 *   file: "/bin/true", argv: ["true"], envp: [], cwd: "/", parentPid: 1,
 *   landlock: null, seccomp: null,
 * }));
 * console.assert(plan.file === "/bin/true");
 * ```
 */
export function parsePlan(text: string): SandboxPlan {
  const plan = JSON.parse(text) as SandboxPlan;
  const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === "string");
  if (
    typeof plan !== "object" || plan === null || typeof plan.file !== "string" ||
    !plan.file.startsWith("/") || !strings(plan.argv) || plan.argv.length === 0 ||
    !strings(plan.envp) || typeof plan.cwd !== "string" || typeof plan.parentPid !== "number" ||
    (plan.landlock !== null && typeof plan.landlock !== "object") ||
    (plan.seccomp !== null && typeof plan.seccomp !== "object") ||
    (plan.seatbelt !== undefined && typeof plan.seatbelt !== "string")
  ) {
    throw new TypeError("Cannot read the sandbox plan: a field is missing or malformed");
  }
  return plan;
}
