/**
 * Pure Landlock planning: which features each ABI version has, which features a policy
 * needs, and the ruleset (handled rights, path rules, port rules, scopes) that enforces a
 * policy on a given ABI. No system calls happen here; `landlock.ts` applies the result.
 *
 * @module
 */

import { LANDLOCK_ACCESS_FS as FS, LANDLOCK_ACCESS_NET as NET } from "../../ffi/libc.ts";
import { LANDLOCK_SCOPE as SCOPE } from "../../ffi/libc.ts";
import type { Access, Policy } from "../policy/types.ts";

/** The Landlock ABI version that introduced each named feature. */
export const FEATURE_ABI: Readonly<Record<string, number>> = {
  "fs": 1,
  "fs.refer": 2,
  "fs.truncate": 3,
  "net.tcp": 4,
  "fs.ioctl_dev": 5,
  "scope.signal": 6,
  "scope.abstract_unix": 6,
};

/** Rights granted by `read`: read files, list directories, execute. */
export const READ_ACCESS = FS.EXECUTE | FS.READ_FILE | FS.READ_DIR;

/** Rights granted by `write`: the full write set. */
export const WRITE_ACCESS = FS.WRITE_FILE | FS.REMOVE_DIR | FS.REMOVE_FILE | FS.MAKE_CHAR |
  FS.MAKE_DIR | FS.MAKE_REG | FS.MAKE_SOCK | FS.MAKE_FIFO | FS.MAKE_BLOCK | FS.MAKE_SYM |
  FS.REFER | FS.TRUNCATE | FS.IOCTL_DEV;

/** The only rights a rule on a regular file (not a directory) may carry. */
export const FILE_ACCESS = FS.EXECUTE | FS.WRITE_FILE | FS.READ_FILE | FS.TRUNCATE | FS.IOCTL_DEV;

/** One path rule as the kernel gets it. */
export interface LandlockPathRule {
  /** Absolute path. */
  path: string;
  /** `LANDLOCK_ACCESS_FS_*` bits, already limited to the handled set. */
  access: number;
}

/** One TCP port rule. */
export interface LandlockPortRule {
  /** TCP port. */
  port: number;
  /** `LANDLOCK_ACCESS_NET_*` bits. */
  access: number;
}

/** A complete Landlock ruleset for one ABI version (plain JSON). */
export interface LandlockSpec {
  /** The ABI version the ruleset targets. */
  abi: number;
  /** `handled_access_fs`. */
  handledFs: number;
  /** `handled_access_net` (0: TCP not restricted). */
  handledNet: number;
  /** `scoped` (0: no scoping). */
  scoped: number;
  /** Path rules. */
  paths: LandlockPathRule[];
  /** Port rules. */
  ports: LandlockPortRule[];
  /**
   * The command has a private `/proc` (its own PID namespace): a `/proc` grant is kept
   * whole, since every process there belongs to the sandbox. Without it the grant is
   * split (see {@linkcode expandProcRule}).
   */
  privateProc?: boolean;
}

/**
 * The features a Landlock ABI version offers.
 *
 * @param abi The ABI version (0: Landlock unavailable).
 * @returns Feature name → available.
 * @example
 * ```ts
 * import { featuresForAbi } from "./landlock_rules.ts";
 * console.assert(featuresForAbi(4)["net.tcp"] === true);
 * console.assert(featuresForAbi(4)["scope.signal"] === false);
 * ```
 */
export function featuresForAbi(abi: number): Record<string, boolean> {
  return Object.fromEntries(Object.entries(FEATURE_ABI).map(([name, min]) => [name, abi >= min]));
}

/**
 * The Landlock features a policy cannot be enforced without. `fs.refer` and `fs.ioctl_dev`
 * are not needed: without them the kernel denies more (refer) or the gap is covered by
 * seccomp (terminal injection ioctls).
 *
 * @param policy The policy.
 * @returns Feature names, `fs` first.
 */
export function neededFeatures(policy: Policy): string[] {
  const needed = ["fs", "fs.truncate"];
  if (policy.network.mode !== "open") needed.push("net.tcp");
  needed.push("scope.signal", "scope.abstract_unix");
  return needed;
}

/**
 * The filesystem rights an ABI version handles.
 *
 * @param abi The ABI version.
 * @returns `LANDLOCK_ACCESS_FS_*` bits.
 */
export function handledFsAccess(abi: number): number {
  if (abi < 1) return 0;
  let bits = (FS.MAKE_SYM << 1) - 1; // ABI 1: EXECUTE through MAKE_SYM
  if (abi >= 2) bits |= FS.REFER;
  if (abi >= 3) bits |= FS.TRUNCATE;
  if (abi >= 5) bits |= FS.IOCTL_DEV;
  return bits;
}

/**
 * The rights of a list of policy accesses.
 *
 * @param access `read` and/or `write`.
 * @returns `LANDLOCK_ACCESS_FS_*` bits (not limited to an ABI).
 */
export function accessBits(access: readonly Access[]): number {
  let bits = 0;
  if (access.includes("read")) bits |= READ_ACCESS;
  if (access.includes("write")) bits |= WRITE_ACCESS;
  return bits;
}

/**
 * Limits a rule's rights to what a regular file can carry (Landlock rejects directory
 * rights on a file with EINVAL).
 *
 * @param access The rule's rights.
 * @param isDirectory Whether the path is a directory.
 * @returns The rights to pass to `landlock_add_rule`.
 */
export function ruleAccessFor(access: number, isDirectory: boolean): number {
  return isDirectory ? access : access & FILE_ACCESS;
}

/** The procfs mount point whose grant {@linkcode expandProcRule} splits. */
export const PROC_ROOT = "/proc";

/**
 * Splits a grant on `/proc` so it does not reach other processes. Landlock (ABI ≤ 7 on
 * Linux 6.18) denies ptrace but still lets a confined process open `/proc/PID/environ`,
 * `maps` and `auxv` of any same-user process outside its domain, so a plain `/proc`
 * grant would leak the parent's and siblings' environments. The split grants: `/proc`
 * itself for listing only, every non-numeric entry (`cpuinfo`, `sys`, `self`,
 * `thread-self`, …) with the full rights; `self` resolves, when the rule is added, to the
 * helper's own directory, which the command keeps across `execve`. Processes the command
 * starts get listing but not reading beneath their own `/proc/PID`.
 *
 * @param access The rights of the `/proc` grant.
 * @param entries The names in `/proc` (from a directory listing).
 * @returns The rules replacing the grant.
 * @example
 * ```ts
 * import { expandProcRule } from "./landlock_rules.ts";
 * const rules = expandProcRule(0b1101, ["1", "self", "cpuinfo", "4242"]);
 * console.assert(rules.map((r) => r.path).join() === "/proc,/proc/self,/proc/cpuinfo");
 * ```
 */
export function expandProcRule(access: number, entries: readonly string[]): LandlockPathRule[] {
  const rules = [{ path: PROC_ROOT, access: access & FS.READ_DIR }];
  const names = new Set(entries.filter((name) => !/^\d+$/.test(name)));
  names.add("self");
  for (const name of names) rules.push({ path: `${PROC_ROOT}/${name}`, access });
  return rules.filter((rule) => rule.access !== 0);
}

/** Options of {@linkcode planLandlock}. */
export interface PlanLandlockOptions {
  /** The ABI version to target (the kernel's, or lower). */
  abi: number;
  /** The proxy's TCP port, granted for connect. */
  proxyPort?: number | undefined;
  /** Whether the command gets a private `/proc` (PID namespace). */
  privateProc?: boolean;
  /** Extra paths the command may read (the session's own files, as it sees them). */
  readPaths?: readonly string[];
}

/**
 * The ruleset that enforces a policy on one ABI version. Features the ABI lacks are left
 * out (deciding whether that is acceptable is the caller's job).
 *
 * @param policy The policy.
 * @param options The ABI and the proxy port.
 * @returns The ruleset.
 * @example
 * ```ts ignore
 * const spec = planLandlock(policy, { abi: 6, proxyPort: 8123 });
 * ```
 */
export function planLandlock(policy: Policy, options: PlanLandlockOptions): LandlockSpec {
  const { abi } = options;
  const handledFs = handledFsAccess(abi);
  const byPath = new Map<string, number>();
  for (const rule of policy.paths) {
    const bits = accessBits(rule.access) & handledFs;
    if (bits !== 0) byPath.set(rule.path, (byPath.get(rule.path) ?? 0) | bits);
  }
  for (const path of options.readPaths ?? []) {
    byPath.set(path, (byPath.get(path) ?? 0) | (READ_ACCESS & handledFs));
  }
  const paths = [...byPath].map(([path, access]) => ({ path, access }));

  let handledNet = 0;
  const ports: LandlockPortRule[] = [];
  if (abi >= FEATURE_ABI["net.tcp"]! && policy.network.mode !== "open") {
    handledNet = NET.BIND_TCP | NET.CONNECT_TCP;
    const byPort = new Map<number, number>();
    const grant = (port: number, bits: number) => byPort.set(port, (byPort.get(port) ?? 0) | bits);
    for (const port of policy.network.connectPorts) grant(port, NET.CONNECT_TCP);
    if (options.proxyPort !== undefined) grant(options.proxyPort, NET.CONNECT_TCP);
    for (const port of policy.network.bindPorts) grant(port, NET.BIND_TCP);
    for (const [port, access] of byPort) ports.push({ port, access });
  }

  const scoped = abi >= FEATURE_ABI["scope.signal"]!
    ? SCOPE.SIGNAL | SCOPE.ABSTRACT_UNIX_SOCKET
    : 0;
  return {
    abi,
    handledFs,
    handledNet,
    scoped,
    paths,
    ports,
    privateProc: options.privateProc ?? false,
  };
}
