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
import { DEVICE_NODES, type MountPlan } from "./mount_plan.ts";

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
export function applyMounts(plan: MountPlan): void {
  // 1. Copies first: once the tree is read-only, a copy taken later would be read-only.
  const binds: Detached[] = plan.binds.map((b) => ({
    path: b.path,
    fd: cloneMount(b.path, true),
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
  const overlays: Detached[] = plan.overlays.map((o) => {
    const options = `lowerdir=${escapeOption(o.path)},upperdir=${escapeOption(o.upper)},` +
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

  // 6. Grants, parents first, then the per-session layers over shared caches.
  for (const bind of [...binds, ...overlays]) {
    makeMountPoint(bind.path, isDirectoryFd(bind.fd));
    attach(bind);
  }

  // 7. Read-only files (verified instruction files), then what must not be seen at all.
  for (const path of plan.readOnly) {
    attach({ path, fd: cloneMount(path, false), writable: false });
  }
  for (const path of plan.masks) mask(path, devNull);
  close(devNull);
}

/** Attaches a detached mount with the sandbox's attributes, then closes its descriptor. */
function attach(mount: Detached): void {
  const set = (mount.device ? MOUNT_ATTR.NOSUID : HARDENED) |
    (mount.writable ? 0 : MOUNT_ATTR.RDONLY);
  setMountAttributes(mount.fd, { set, clear: mount.writable ? MOUNT_ATTR.RDONLY : 0 }, true);
  attachMount(mount.fd, mount.path);
  close(mount.fd);
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
