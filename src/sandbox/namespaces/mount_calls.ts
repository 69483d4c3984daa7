/**
 * Typed wrappers for the mount system calls the exec helper makes inside its namespaces:
 * the new mount API (`open_tree`, `move_mount`, `mount_setattr`, Linux ≥ 5.12) for bind
 * mounts and attribute changes, and `mount(2)` for new filesystems (proc, tmpfs, devpts,
 * overlay). Each failure is an {@linkcode ErrnoError} naming the call and the path.
 *
 * Linux only; synchronous, on the calling thread. Requires `--allow-ffi`.
 *
 * @module
 */

import {
  AT_EMPTY_PATH,
  AT_FDCWD,
  AT_RECURSIVE,
  MNT_DETACH,
  MOUNT_ATTR_SIZE_VER0,
  MOVE_MOUNT_F_EMPTY_PATH,
  NAMESPACE_SYSCALLS,
  type NamespaceSyscalls,
  O_CLOEXEC,
  OPEN_TREE_CLONE,
} from "../../../ffi/libc.ts";
import { addressOf, cString, rawSyscall, syscallNumbers, unwrap } from "../syscalls.ts";

/**
 * Calls one of the namespace layer's system calls.
 *
 * @param name The call.
 * @param what What it acts on, for the error (a path).
 * @param args The arguments.
 * @returns The result.
 * @throws {ErrnoError} When it fails.
 */
export function nsCall(
  name: keyof NamespaceSyscalls,
  what: string,
  ...args: (number | bigint)[]
): number {
  syscallNumbers(); // throws on an unsupported architecture
  const table = Deno.build.arch === "aarch64"
    ? NAMESPACE_SYSCALLS.aarch64
    : NAMESPACE_SYSCALLS.x86_64;
  return unwrap(`${name} ${what}`, rawSyscall(table[name], ...args));
}

/**
 * A detached copy of the mount at `path` (`open_tree(OPEN_TREE_CLONE)`): a bind mount
 * that is attached nowhere yet, keeping the attributes it had when it was taken.
 *
 * @param path An absolute path, or a descriptor of it (nothing is looked up again).
 * @param recursive Whether mounts beneath it come along.
 * @returns The mount's descriptor (close-on-exec).
 * @throws {ErrnoError} When the call fails.
 */
export function cloneMount(path: string | number, recursive: boolean): number {
  const byFd = typeof path === "number";
  const name = cString(byFd ? "" : path);
  const flags = OPEN_TREE_CLONE | O_CLOEXEC | (recursive ? AT_RECURSIVE : 0) |
    (byFd ? AT_EMPTY_PATH : 0);
  // SAFETY: `name` is a NUL-terminated buffer that outlives the synchronous call.
  return nsCall(
    "open_tree",
    byFd ? `fd ${path}` : path,
    byFd ? path : AT_FDCWD,
    addressOf(name),
    flags,
  );
}

/**
 * Attaches a detached mount at `target`, on top of what is there.
 *
 * @param fd A descriptor from {@linkcode cloneMount}.
 * @param target The mount point (an existing file or directory).
 * @throws {ErrnoError} When the call fails.
 */
export function attachMount(fd: number, target: string): void {
  const empty = cString("");
  const to = cString(target);
  // SAFETY: both strings are NUL-terminated and live until the call returns.
  nsCall(
    "move_mount",
    target,
    fd,
    addressOf(empty),
    AT_FDCWD,
    addressOf(to),
    MOVE_MOUNT_F_EMPTY_PATH,
  );
}

/** Attributes to set and clear with {@linkcode setMountAttributes}. */
export interface MountAttributes {
  /** `MOUNT_ATTR_*` bits to set. */
  set: number;
  /** `MOUNT_ATTR_*` bits to clear. */
  clear?: number;
  /** `MS_PRIVATE` and friends, or 0 to leave propagation alone. */
  propagation?: number;
}

/**
 * Changes a mount's attributes (`mount_setattr`), by path or on a detached mount's
 * descriptor.
 *
 * @param target A path, or a descriptor from {@linkcode cloneMount}.
 * @param attrs What to set and clear.
 * @param recursive Whether mounts beneath it change too.
 * @throws {ErrnoError} When the call fails.
 */
export function setMountAttributes(
  target: string | number,
  attrs: MountAttributes,
  recursive: boolean,
): void {
  const byFd = typeof target === "number";
  const path = cString(byFd ? "" : target);
  const attr = new BigUint64Array([
    BigInt(attrs.set),
    BigInt(attrs.clear ?? 0),
    BigInt(attrs.propagation ?? 0),
    0n,
  ]);
  const flags = (recursive ? AT_RECURSIVE : 0) | (byFd ? AT_EMPTY_PATH : 0);
  // SAFETY: `path` and the 32-byte `struct mount_attr` live until the call returns.
  nsCall(
    "mount_setattr",
    byFd ? `fd ${target}` : target,
    byFd ? target : AT_FDCWD,
    addressOf(path),
    flags,
    addressOf(attr),
    MOUNT_ATTR_SIZE_VER0,
  );
}

/**
 * Mounts a new filesystem (`mount(2)`): proc, tmpfs, devpts or overlay.
 *
 * @param fstype The filesystem type, also used as the source.
 * @param target The mount point.
 * @param flags `MS_*` flags.
 * @param data The options string (`mode=0755`), or "".
 * @throws {ErrnoError} When the call fails.
 */
export function mountFilesystem(fstype: string, target: string, flags: number, data: string): void {
  const type = cString(fstype);
  const to = cString(target);
  const options = cString(data);
  // SAFETY: every string is NUL-terminated and lives until the call returns.
  nsCall(
    "mount",
    `${fstype} on ${target}`,
    addressOf(type),
    addressOf(to),
    addressOf(type),
    flags,
    data === "" ? 0 : addressOf(options),
  );
}

/**
 * Makes the mount at `newRoot` the root (`pivot_root`), then detaches the old root, which
 * `pivot_root` put at `putOld` (a directory beneath `newRoot`), and enters the new root.
 *
 * @param newRoot The new root's current path (a mount point).
 * @param putOld Where the old root goes, as a path beneath `newRoot` (`/proc` there).
 * @param putOldInside The same place as seen from the new root.
 * @throws {ErrnoError} When a call fails.
 */
export function pivotRoot(newRoot: string, putOld: string, putOldInside: string): void {
  const to = cString(newRoot);
  const old = cString(putOld);
  // SAFETY: both strings live until the call returns.
  nsCall("pivot_root", newRoot, addressOf(to), addressOf(old));
  Deno.chdir("/");
  const inside = cString(putOldInside);
  // SAFETY: as above.
  nsCall("umount2", putOldInside, addressOf(inside), MNT_DETACH);
}
