/**
 * Applies a {@linkcode MountPlan} inside a fresh user + mount namespace, in the exec
 * helper, before Landlock (a Landlock-restricted process can no longer mount):
 *
 * 1. detached copies (`open_tree`) of everything that must stay reachable: the write
 *    grants (read-write, as they are now), read grants beneath replaced directories,
 *    device nodes, the session's `tmp` and `shm`, and the per-session overlays;
 * 2. a copy of the whole tree made read-only, no-suid, no-dev and private in one
 *    `mount_setattr`, and made the root (`pivot_root`; the old root is detached) — a copy,
 *    because a mount with files open for writing (the helper's own caches) cannot be
 *    made read-only;
 * 3. a new `/proc` for the PID namespace;
 * 4. a private `/dev`: a small tmpfs with the device nodes bound in, a devpts of its own
 *    (`newinstance`: the host's terminals do not exist here), `/dev/shm` from the session,
 *    then the tmpfs itself read-only;
 * 5. `/tmp` from the session;
 * 6. the copies attached again at their paths (parents first), read-only ones marked so;
 * 7. read-only paths, then masks over airlock's directories and the protected paths.
 *
 * Linux only; synchronous. Requires `--allow-ffi`, `--allow-read`, `--allow-write`.
 *
 * @module
 */

import { MOUNT_ATTR, MS } from "../../../ffi/libc.ts";
import { isDirectoryFd, sys } from "../syscalls.ts";
import {
  attachMount,
  cloneMount,
  mountFilesystem,
  pivotRoot,
  setMountAttributes,
} from "./mount_calls.ts";
import { DEVICE_NODES, type MountPlan, SESSION_FILES_VIEW } from "./mount_plan.ts";
import { isWithin } from "../../policy/paths.ts";
import { openNoSymlinks } from "./grant_fds.ts";

/** Where the new root is attached before `pivot_root` (exists on every system). */
const STAGE = "/tmp";

/** Attributes every mount of the sandbox carries. */
const HARDENED = MOUNT_ATTR.NOSUID | MOUNT_ATTR.NODEV;

/** A detached mount waiting to be attached. */
interface Detached {
  /** Where it goes. */
  path: string;
  /** The `open_tree` descriptor. */
  fd: number;
  /** Whether it stays writable. */
  writable: boolean;
  /** A device node: keeps device access (everything else is no-dev). */
  device?: boolean;
}

/**
 * Builds the sandbox's view of the filesystem. Throws on the first step that fails,
 * naming it; the caller exits 125 and nothing runs.
 *
 * @param plan The plan airlock computed.
 * @throws {ErrnoError} When a mount call fails.
 * @throws {Error} When a mount point cannot be made.
 * @example
 * ```ts ignore
 * applyMounts(plan.mounts); // inside the namespaces, before Landlock
 * ```
 */
export function applyMounts(
  plan: MountPlan,
  grants: ReadonlyMap<string, number> = new Map(),
): void {
  // The verified descriptor of a granted path (`grant_fds.ts`), else the path itself (the
  // sandbox's own files: session directories, device nodes).
  const source = (path: string) => grants.get(path) ?? path;
  // 1. Copies first: once the tree is read-only, a copy taken later would be read-only.
  const binds: Detached[] = plan.binds.map((b) => ({
    path: b.path,
    fd: cloneMount(source(b.path), true),
    writable: b.writable,
  }));
  const devices: Detached[] = [...DEVICE_NODES.map((n) => `/dev/${n}`), ...plan.devices]
    .filter(exists).map((path) => ({
      path,
      fd: cloneMount(path, false),
      writable: true,
      device: true,
    }));
  const tmp = cloneMount(plan.tmp, false);
  const shm = cloneMount(plan.shm, false);
  const files = plan.files === undefined ? undefined : cloneMount(plan.files, false);
  const overlays: Detached[] = plan.overlays.map((o) => {
    const lower = grants.has(o.path) ? `/proc/self/fd/${grants.get(o.path)}` : o.path;
    const options = `lowerdir=${escapeOption(lower)},upperdir=${escapeOption(o.upper)},` +
      `workdir=${escapeOption(o.work)},userxattr`;
    try {
      mountFilesystem("overlay", o.path, MS.NOSUID | MS.NODEV, options);
      return { path: o.path, fd: cloneMount(o.path, false), writable: true };
    } catch (err) {
      // No overlayfs over this filesystem: the session gets an empty layer of its own
      // instead (slower — nothing cached — but its writes still never reach the cache).
      console.error(
        `airlock: ${o.path}: ${err instanceof Error ? err.message : err}; ` +
          "the session gets an empty directory there instead",
      );
      return { path: o.path, fd: cloneMount(o.upper, false), writable: true };
    }
  });
  // Directories pinned above read-only files (opened beneath their grant's descriptor,
  // without symlinks), and the files: copies taken now too, from the tree as it is.
  const pins: Detached[] = pinnedAncestors(plan.readOnly, plan.binds).map(({ dir, grant }) => {
    const grantFd = grants.get(grant);
    const fd = grantFd === undefined
      ? cloneMount(dir, true)
      : pinClone(grantFd, dir.slice(grant.length + 1));
    return { path: dir, fd, writable: true };
  });
  const readOnly: Detached[] = plan.readOnly.map((path) => ({
    path,
    fd: cloneMount(source(path), false),
    writable: false,
  }));
  const devNull = cloneMount("/dev/null", false);
  const root = cloneMount("/", true);

  // 2. Everything read-only at the mount level, as the new root.
  setMountAttributes(root, { set: MOUNT_ATTR.RDONLY | HARDENED }, true);
  attachMount(root, STAGE);
  pivotRoot(STAGE, `${STAGE}/proc`, "/proc");
  close(root);

  // 3. The PID namespace's own /proc.
  mountFilesystem("proc", "/proc", MS.NOSUID | MS.NODEV | MS.NOEXEC, "");

  // 4. A private /dev.
  mountFilesystem("tmpfs", "/dev", MS.NOSUID | MS.NOEXEC, "mode=0755,size=1m");
  for (const device of devices) {
    makeMountPoint(device.path, false);
    attach(device);
  }
  Deno.mkdirSync("/dev/pts");
  Deno.mkdirSync("/dev/shm");
  mountFilesystem(
    "devpts",
    "/dev/pts",
    MS.NOSUID | MS.NOEXEC,
    "newinstance,ptmxmode=0666,mode=0620",
  );
  Deno.symlinkSync("pts/ptmx", "/dev/ptmx");
  Deno.symlinkSync("/proc/self/fd", "/dev/fd");
  ["stdin", "stdout", "stderr"].forEach((name, i) =>
    Deno.symlinkSync(`/proc/self/fd/${i}`, `/dev/${name}`)
  );
  attach({ path: "/dev/shm", fd: shm, writable: true });
  setMountAttributes("/dev", { set: MOUNT_ATTR.RDONLY }, false);

  // 5. A private /tmp.
  attach({ path: "/tmp", fd: tmp, writable: true });
  if (files !== undefined) {
    makeMountPoint(SESSION_FILES_VIEW, true);
    attach({ path: SESSION_FILES_VIEW, fd: files, writable: false });
  }

  // 6. Grants, parents first, then the per-session layers over shared caches.
  for (const bind of [...binds, ...overlays]) {
    makeMountPoint(bind.path, isDirectoryFd(bind.fd));
    attach(bind);
  }

  // 7. Read-only files (verified instruction files) — each directory between the file and
  //    the write grant it lies in becomes a mount point first, which cannot be renamed or
  //    removed, so no `mv` of a parent moves the file's bind away — then what must not be
  //    seen at all: masks, and the host's kernel filesystems beneath any grant.
  for (const pin of pins) attach(pin);
  for (const file of readOnly) attach(file);
  for (const path of plan.masks) mask(path, devNull);
  for (const path of kernelMountsBeneath(plan.grants)) mask(path, devNull);
  close(devNull);
}

/**
 * Attaches a detached mount with the sandbox's attributes, then closes its descriptor.
 * Hardening and read-only apply to the whole subtree; a writable one is made writable at
 * its top only — a read-only mount beneath a grant stays read-only, and one the host
 * locked read-only cannot be changed anyway.
 */
function attach(mount: Detached): void {
  const set = (mount.device ? MOUNT_ATTR.NOSUID : HARDENED) |
    (mount.writable ? 0 : MOUNT_ATTR.RDONLY);
  setMountAttributes(mount.fd, { set }, true);
  if (mount.writable) {
    try {
      setMountAttributes(mount.fd, { set: 0, clear: MOUNT_ATTR.RDONLY }, false);
    } catch {
      // read-only on the host (and locked so): it stays read-only in the sandbox too
    }
  }
  attachMount(mount.fd, mount.path);
  close(mount.fd);
}

/** Kernel filesystems that must never be reached through a grant (the host's). */
const KERNEL_FILESYSTEMS = new Set([
  "proc",
  "sysfs",
  "cgroup",
  "cgroup2",
  "debugfs",
  "tracefs",
  "securityfs",
  "bpf",
  "configfs",
  "fusectl",
  "binfmt_misc",
  "pstore",
  "efivarfs",
  "devtmpfs",
  "devpts",
  "mqueue",
  "hugetlbfs",
  "rpc_pipefs",
  "nfsd",
]);

/**
 * Mount points of kernel filesystems strictly beneath a granted path (a chroot's `proc`
 * or `sys` inside the workdir), from `/proc/self/mountinfo`, outermost first.
 *
 * @param grants The granted paths.
 * @returns The mount points.
 */
export function kernelMountsBeneath(grants: readonly string[]): string[] {
  const found: string[] = [];
  for (const line of Deno.readTextFileSync("/proc/self/mountinfo").split("\n")) {
    const [left, right] = line.split(" - ");
    if (left === undefined || right === undefined) continue;
    const point = unescapeMountinfo(left.split(" ")[4] ?? "");
    const fstype = right.split(" ")[0] ?? "";
    if (!KERNEL_FILESYSTEMS.has(fstype)) continue;
    if (grants.some((g) => point !== g && isWithin(point, g))) found.push(point);
  }
  return found.sort((a, b) => a.length - b.length).filter((p, i, all) =>
    !all.slice(0, i).some((outer) => isWithin(p, outer))
  );
}

/** mountinfo escapes space, tab, newline and backslash as octal (`\040`). */
function unescapeMountinfo(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** A detached copy of a directory beneath a grant, opened relative to the grant's descriptor. */
function pinClone(grantFd: number, relative: string): number {
  const fd = openNoSymlinks(relative, grantFd);
  try {
    return cloneMount(fd, true);
  } finally {
    close(fd);
  }
}

/**
 * The directories to pin (make mount points) above each read-only file — those between
 * the file and the write grant it lies in — with that grant, outermost first.
 */
function pinnedAncestors(
  files: readonly string[],
  binds: readonly { path: string; writable: boolean }[],
): { dir: string; grant: string }[] {
  const dirs = new Map<string, string>();
  for (const file of files) {
    const grant = binds
      .filter((b) => b.writable && file !== b.path && isWithin(file, b.path))
      .map((b) => b.path).sort((a, b) => b.length - a.length)[0];
    if (grant === undefined) continue;
    let dir = file.slice(0, file.lastIndexOf("/"));
    while (dir.length > grant.length) {
      dirs.set(dir, grant);
      dir = dir.slice(0, dir.lastIndexOf("/"));
    }
  }
  return [...dirs].map(([dir, grant]) => ({ dir, grant }))
    .sort((a, b) => a.dir.split("/").length - b.dir.split("/").length);
}

/**
 * After the kernel settings are made: the parts of `/proc` through which a process the
 * kernel takes for root (a command started by root keeps uid 0 in its user namespace)
 * could still write host-wide settings are bound read-only, as bwrap does.
 *
 * @throws {ErrnoError} When a bind fails.
 */
export function protectProc(): void {
  for (const path of ["/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus"]) {
    if (!exists(path)) continue;
    attach({ path, fd: cloneMount(path, true), writable: false });
  }
}

/**
 * Hides a path: a directory behind an empty read-only tmpfs, a file behind `/dev/null`.
 * Symlinks are left alone (their targets are in the list when they matter).
 */
function mask(path: string, devNull: number): void {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch {
    return; // gone, or beneath a mask already
  }
  if (info.isSymlink) return;
  if (info.isDirectory) {
    mountFilesystem(
      "tmpfs",
      path,
      MS.RDONLY | MS.NOSUID | MS.NODEV | MS.NOEXEC,
      "size=4k,mode=000",
    );
    return;
  }
  const fd = cloneMount(`/proc/self/fd/${devNull}`, false);
  attach({ path, fd, writable: false });
}

/**
 * Makes sure a mount point exists: grants beneath the private `/tmp` or `/dev` need one
 * created there (a directory, or an empty file for a file).
 */
function makeMountPoint(path: string, directory: boolean): void {
  if (exists(path)) return;
  const parent = path.slice(0, path.lastIndexOf("/")) || "/";
  Deno.mkdirSync(parent, { recursive: true });
  if (directory) Deno.mkdirSync(path);
  else Deno.writeFileSync(path, new Uint8Array(), { createNew: true, mode: 0o600 });
}

/** overlayfs separates options with `,` and lower layers with `:`; `\` escapes both. */
function escapeOption(path: string): string {
  return path.replace(/[\\,:]/g, (c) => `\\${c}`);
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function close(fd: number): void {
  sys("close", fd);
}
