/**
 * The launch plan: everything the exec helper needs to set up the namespaces, confine
 * itself and exec the command, as plain JSON. airlock computes it (so the helper makes no
 * decisions) and hands it over through a channel no other process can write: on Linux an
 * anonymous pipe the helper inherits as descriptor {@linkcode PLAN_FD} (`launch.ts`), on
 * macOS the helper's environment variable {@linkcode PLAN_ENV}. Neither reaches the
 * command. The helper also gets, in its argv, the protections the plan must carry
 * (`--require=…`) and refuses a plan that confines less.
 *
 * @module
 */

import type { LandlockSpec } from "./landlock_rules.ts";
import type { SeccompOptions } from "./seccomp.ts";
import type { MountPlan } from "./namespaces/mount_plan.ts";
import type { BridgeSpec } from "../bridge/spec.ts";
import type { Identity } from "./namespaces/grant_fds.ts";

/** The helper's environment variable carrying the JSON plan (macOS). */
export const PLAN_ENV = "AIRLOCK_SANDBOX_PLAN";

/** The descriptor a Linux helper reads its plan from (the read end of a pipe). */
export const PLAN_FD = 3;

/** The descriptor a Linux helper reports its progress on (the write end of a pipe). */
export const STATUS_FD = 4;

/** What the namespaced helper sets up before it confines itself (Linux). */
export interface NamespacePlan {
  /** The mount namespace's view of the filesystem. */
  mounts: MountPlan;
  /** Whether the chain created a network namespace (bring loopback up). */
  network: boolean;
  /** The network bridge to start, or null. */
  bridge: BridgeSpec | null;
  /**
   * Every granted path the helper opens before the mounts, with what airlock found there
   * (`grant_fds.ts`): a path that changed since is refused, the rest are used by
   * descriptor only.
   */
  identities: Record<string, Identity>;
}

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
  /** Linux: the namespace set-up, or null when the launch has no namespaces (best effort). */
  namespaces?: NamespacePlan | null;
}

/** The second message on the plan pipe: what is known only once the proxy runs. */
export interface PlanUpdate {
  /** Variables added to the command's environment (proxy variables, phantom tokens). */
  env?: Record<string, string>;
  /** True: nothing is launched; the helper exits quietly. */
  abort?: boolean;
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
    (plan.seatbelt !== undefined && typeof plan.seatbelt !== "string") ||
    (plan.namespaces !== undefined && plan.namespaces !== null &&
      (typeof plan.namespaces !== "object" || typeof plan.namespaces.mounts !== "object"))
  ) {
    throw new TypeError("Cannot read the sandbox plan: a field is missing or malformed");
  }
  return plan;
}

/** Protections a helper can be told to insist on (`--require=…`). */
export type Requirement = "landlock" | "seccomp" | "namespaces" | "network";

/**
 * Names what a plan lacks of the protections required of it, or null when it has them
 * all: the helper refuses such a plan, so a plan that reached it by any other way than
 * airlock's own cannot confine less than the launching airlock decided.
 *
 * @param plan The plan.
 * @param required The protections named in the helper's argv.
 * @returns The first one missing, or null.
 * @example
 * ```ts
 * import { missingRequirement, type SandboxPlan } from "./plan.ts";
 * const plan = { landlock: null, seccomp: null } as unknown as SandboxPlan;
 * console.assert(missingRequirement(plan, ["landlock"]) === "landlock");
 * console.assert(missingRequirement(plan, []) === null);
 * ```
 */
export function missingRequirement(
  plan: SandboxPlan,
  required: readonly Requirement[],
): Requirement | null {
  for (const need of required) {
    const ok = need === "landlock"
      ? plan.landlock !== null && plan.landlock.handledFs !== 0
      : need === "seccomp"
      ? plan.seccomp !== null
      : need === "namespaces"
      ? plan.namespaces != null
      : plan.namespaces != null && plan.namespaces.network;
    if (!ok) return need;
  }
  return null;
}
