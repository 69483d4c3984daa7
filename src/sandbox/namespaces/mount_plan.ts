/**
 * The mount-namespace plan: which host paths stay writable, which are carried into the
 * directories the sandbox replaces, which caches get a per-session overlay, and what is
 * hidden. Pure data, computed by airlock from the policy; the exec helper applies it
 * inside the namespaces (`mount_apply.ts`).
 *
 * The sandbox's view: the host's whole tree, read-only, no-suid and no-dev at the mount
 * level (so chmod, chown, utime, xattrs and setuid bits fail outside the write grants,
 * for root too), with a private `/proc` (the PID namespace's), a private `/dev` (the
 * usual device nodes and a devpts of its own: no other terminal exists), a private
 * `/tmp` and `/dev/shm` (directories of the session, removed at exit), each write grant
 * bound read-write, and airlock's own directories and the protected paths hidden.
 *
 * @module
 */

import type { PathRule } from "../../policy/types.ts";
import { isWithin } from "../../policy/paths.ts";

/**
 * Where the session's own files (the session CA and its bundle) appear in the sandbox:
 * a read-only bind beneath the private `/tmp` (a mount point: it cannot be removed,
 * renamed or written).
 */
export const SESSION_FILES_VIEW = "/tmp/.airlock";

/** Directories the sandbox gets private versions of. */
export const REPLACED_DIRS = ["/dev", "/tmp", "/dev/shm"] as const;

/** Device nodes of the private `/dev` (bound from the host's). */
export const DEVICE_NODES = ["null", "zero", "full", "random", "urandom", "tty"] as const;

/** A host path carried into the sandbox's view by a bind mount. */
export interface BindMount {
  /** The absolute path (the same inside and outside). */
  path: string;
  /** Read-write (a write grant) or read-only (a read grant beneath a replaced directory). */
  writable: boolean;
}

/** A directory whose writes land in a per-session layer. */
export interface OverlayMount {
  /** The shared directory (the overlay's lower layer, never written). */
  path: string;
  /** The session's upper directory. */
  upper: string;
  /** overlayfs's work directory (same filesystem as `upper`). */
  work: string;
}

/** Everything the helper mounts, in the order it applies it. */
export interface MountPlan {
  /** The session's private `/tmp` (a directory of the session). */
  tmp: string;
  /** The session's private `/dev/shm`. */
  shm: string;
  /**
   * A directory of the session bound read-only at {@linkcode SESSION_FILES_VIEW} (the
   * session CA files), or absent.
   */
  files?: string;
  /** Extra host device nodes granted by the policy (beyond {@linkcode DEVICE_NODES}). */
  devices: string[];
  /** Write grants and read grants beneath replaced directories, parents first. */
  binds: BindMount[];
  /** Per-session layers over shared caches. */
  overlays: OverlayMount[];
  /** Paths bound read-only onto themselves last, even inside a write grant. */
  readOnly: string[];
  /** Existing paths hidden behind an empty read-only mount (directories) or `/dev/null` (files). */
  masks: string[];
  /**
   * Every granted path: a kernel filesystem (proc, sysfs, cgroup, …) mounted strictly
   * beneath one is the host's and is hidden (a chroot's `proc` in the workdir would show
   * the host's processes and, to root, its sysctls).
   */
  grants: string[];
}

/** What {@linkcode planMounts} needs besides the policy's path rules. */
export interface MountPlanOptions {
  /** The session directory (its `tmp/`, `shm/` and `overlay/` become the private layers). */
  sessionDir: string;
  /** The host's temporary directory (`$TMPDIR`): a grant on it means the private `/tmp`. */
  hostTmpdir: string;
  /** Paths the launch wants read-only (verified instruction files). */
  readOnlyPaths?: readonly string[];
  /** Write grants whose writes stay in the session (shared caches). */
  sessionLayers?: readonly string[];
  /** Paths to hide: airlock's own directories and the protected paths (existing or not). */
  hide?: readonly string[];
  /** Whether a path exists (tests inject it); default: `Deno.statSync`. */
  exists?: (path: string) => boolean;
  /** A directory of the session to show read-only at {@linkcode SESSION_FILES_VIEW}. */
  sessionFiles?: string;
}

/**
 * Plans the mount namespace for a policy.
 *
 * @param rules The policy's path rules (absolute, real paths).
 * @param options The session directory and the extra layers.
 * @returns The plan.
 * @example
 * ```ts
 * import { planMounts } from "./mount_plan.ts";
 * const plan = planMounts([
 *   { path: "/w", access: ["read", "write"], origin: "workdir" },
 *   { path: "/w/sub", access: ["read", "write"], origin: "--allow" },
 *   { path: "/tmp", access: ["read", "write"], origin: "profile default: filesystem.allow[7]" },
 *   { path: "/tmp/data", access: ["read"], origin: "--read" },
 *   { path: "/usr", access: ["read"], origin: "profile default: filesystem.read[0]" },
 * ], { sessionDir: "/s", hostTmpdir: "/tmp", exists: () => true });
 * console.assert(plan.tmp === "/s/tmp");
 * console.assert(JSON.stringify(plan.binds) ===
 *   '[{"path":"/w","writable":true},{"path":"/tmp/data","writable":false}]');
 * ```
 */
export function planMounts(rules: readonly PathRule[], options: MountPlanOptions): MountPlan {
  const exists = options.exists ?? pathExists;
  const sessionLayers = new Set(options.sessionLayers ?? []);
  const writable = new Set<string>();
  const readable = new Set<string>();
  const devices = new Set<string>();
  for (const rule of rules) {
    const { path } = rule;
    if (providedPrivately(path, options.hostTmpdir)) continue;
    if (isWithin(path, "/dev") && !isWithin(path, "/dev/shm")) {
      devices.add(path); // a host device node beyond the usual ones (`/dev/kvm`)
      continue;
    }
    if (rule.access.includes("write")) {
      if (!sessionLayers.has(path)) writable.add(path);
    } else if (beneathReplaced(path)) {
      readable.add(path);
    }
  }
  const binds: BindMount[] = [];
  for (const path of writable) {
    if (!exists(path) || coveredBy(path, writable)) continue;
    binds.push({ path, writable: true });
  }
  for (const path of readable) {
    if (!exists(path) || coveredBy(path, writable) || coveredBy(path, readable)) continue;
    binds.push({ path, writable: false });
  }
  binds.sort((a, b) => depth(a.path) - depth(b.path) || compare(a.path, b.path));
  const overlays = [...sessionLayers].filter(exists).sort(compare).map((path, i) => ({
    path,
    upper: `${options.sessionDir}/overlay/${i}/upper`,
    work: `${options.sessionDir}/overlay/${i}/work`,
  }));
  const hidden = (options.hide ?? []).filter((path) =>
    exists(path) && ![...writable, ...readable].some((g) => isWithin(g, path) || g === path)
  );
  return {
    tmp: `${options.sessionDir}/tmp`,
    shm: `${options.sessionDir}/shm`,
    ...(options.sessionFiles ? { files: options.sessionFiles } : {}),
    devices: [...devices].filter(exists).sort(compare),
    binds,
    overlays,
    readOnly: [...new Set(options.readOnlyPaths ?? [])].filter(exists).sort(compare),
    masks: [...new Set(hidden)].sort(compare),
    grants: [...new Set(rules.map((r) => r.path))].sort(compare),
  };
}

/**
 * Whether the private layers already provide what a grant on `path` asks for: `/tmp`
 * (or the host's `$TMPDIR`), `/dev/shm`, `/dev` itself, the devpts and the usual device
 * nodes.
 */
function providedPrivately(path: string, hostTmpdir: string): boolean {
  if (path === "/tmp" || path === hostTmpdir || path === "/dev" || path === "/dev/shm") return true;
  if (path === "/dev/ptmx" || isWithin(path, "/dev/pts")) return true;
  return path.startsWith("/dev/") && (DEVICE_NODES as readonly string[]).includes(path.slice(5));
}

/** Whether a path lies strictly beneath a directory the sandbox replaces. */
function beneathReplaced(path: string): boolean {
  return REPLACED_DIRS.some((dir) => path !== dir && isWithin(path, dir));
}

/** Whether another path of the set contains this one (so one bind covers both). */
function coveredBy(path: string, set: Set<string>): boolean {
  for (const other of set) if (other !== path && isWithin(path, other)) return true;
  return false;
}

function depth(path: string): number {
  return path.split("/").length;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function pathExists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
