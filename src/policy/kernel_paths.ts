/**
 * Grants on the kernel's own filesystems that airlock refuses outright, whatever the
 * profile or flags say:
 *
 * - write access anywhere beneath `/proc` or `/sys`: as root, a writable `/proc/sys` or
 *   `/sys` changes kernel settings (`/proc/sys/kernel/core_pattern` runs a program
 *   outside the sandbox);
 * - any grant on another process's `/proc/PID` directory: Landlock's ptrace scoping does
 *   not stop a confined process from reading a same-user process's `environ`, `maps` or
 *   `auxv` when the path is granted (seen on Linux 6.18), so the sandbox grants only the
 *   command's own `/proc/self` when `/proc` is granted.
 *
 * @module
 */

import { ProfileError } from "../errors.ts";
import type { PathRule } from "./types.ts";

/** Kernel filesystems that may be granted for reading only. */
const READ_ONLY_ROOTS = ["/proc", "/sys"];

function beneath(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}/`);
}

/**
 * Checks one rule against the kernel-filesystem limits.
 *
 * @param rule A resolved rule (absolute, real path).
 * @throws {ProfileError} (exit 125) When the rule writes beneath `/proc` or `/sys`, or
 *   grants a `/proc/PID` directory.
 * @example
 * ```ts
 * import { checkKernelPaths } from "./kernel_paths.ts";
 * checkKernelPaths({ path: "/proc", access: ["read"], origin: "--read" }); // fine
 * let refused = false;
 * try {
 *   checkKernelPaths({ path: "/proc/sys", access: ["read", "write"], origin: "--allow" });
 * } catch { refused = true; }
 * console.assert(refused);
 * ```
 */
export function checkKernelPaths(rule: PathRule): void {
  const root = READ_ONLY_ROOTS.find((r) => beneath(rule.path, r));
  if (root !== undefined && rule.access.includes("write")) {
    throw new ProfileError(
      `Cannot grant ${rule.origin} "${rule.path}": write access beneath ${root} is refused: it would let the command change kernel settings`,
      { hint: `grant it for reading only (--read ${rule.path})` },
    );
  }
  if (/^\/proc\/(\d+|thread-self)(\/|$)/.test(rule.path)) {
    throw new ProfileError(
      `Cannot grant ${rule.origin} "${rule.path}": another process's /proc entry would expose its environment`,
      { hint: "grant /proc instead: the command then sees its own /proc/self only" },
    );
  }
}
