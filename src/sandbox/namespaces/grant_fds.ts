/**
 * Each granted path is resolved once. airlock resolves it when it plans (realpath) and
 * records what it found (device and inode); the exec helper opens it once more, before
 * any mount, with `openat2(RESOLVE_NO_SYMLINKS)` — so no symlink planted since (by another
 * session whose grant holds this one's parent, say) is followed — checks that it is the
 * same file, and from then on uses that one descriptor: to bind it, as an overlay's
 * lower layer, and for its Landlock rule. Nothing is looked up by path again that someone
 * could have swapped in between.
 *
 * Linux only; synchronous. Requires `--allow-ffi`.
 *
 * @module
 */

import {
  AT_EMPTY_PATH,
  AT_FDCWD,
  AT_SYMLINK_NOFOLLOW,
  O_CLOEXEC,
  O_PATH,
  OPEN_HOW_SIZE,
  RESOLVE_BENEATH,
  RESOLVE_NO_SYMLINKS,
  STATX,
  STATX_INO,
  SYS_OPENAT2,
} from "../../../ffi/libc.ts";
import { addressOf, cString, ErrnoError, rawSyscall, readErrno, sys } from "../syscalls.ts";

/** What a path named when airlock planned: `[device major, device minor, inode]`. */
export type Identity = [number, number, number];

/**
 * The identity of a path (not following a symlink in its last component), or of an open
 * descriptor (`path` omitted).
 *
 * @param target A path, or a descriptor.
 * @returns Device and inode.
 * @throws {ErrnoError} When `statx` fails.
 * @example
 * ```ts
 * import { identityOf } from "./grant_fds.ts";
 * if (Deno.build.os === "linux") console.assert(identityOf("/").length === 3);
 * ```
 */
export function identityOf(target: string | number): Identity {
  const buf = new Uint8Array(STATX.size);
  const byFd = typeof target === "number";
  const path = cString(byFd ? "" : target);
  // SAFETY: `buf` holds a whole struct statx; `path` is NUL-terminated; both outlive the call.
  sys(
    "statx",
    byFd ? target : AT_FDCWD,
    addressOf(path),
    byFd ? AT_EMPTY_PATH : AT_SYMLINK_NOFOLLOW,
    STATX_INO,
    addressOf(buf),
  );
  const view = new DataView(buf.buffer);
  return [
    view.getUint32(STATX.devMajorOffset, true),
    view.getUint32(STATX.devMinorOffset, true),
    Number(view.getBigUint64(STATX.inoOffset, true)),
  ];
}

/**
 * Opens a path as an `O_PATH` descriptor without following any symlink on the way,
 * relative to `dirFd` and kept beneath it when given.
 *
 * @param path Absolute, or relative to `dirFd`.
 * @param dirFd A directory descriptor to resolve beneath, or undefined.
 * @returns The descriptor (close-on-exec).
 * @throws {ErrnoError} When the open fails (`ELOOP`: a symlink on the way).
 */
export function openNoSymlinks(path: string, dirFd?: number): number {
  const how = new BigUint64Array([
    BigInt(O_PATH | O_CLOEXEC),
    0n,
    BigInt(RESOLVE_NO_SYMLINKS | (dirFd === undefined ? 0 : RESOLVE_BENEATH)),
  ]);
  const name = cString(path);
  // SAFETY: `how` is a 24-byte struct open_how and `name` NUL-terminated; both outlive it.
  const fd = rawSyscall(
    SYS_OPENAT2,
    dirFd ?? AT_FDCWD,
    addressOf(name),
    addressOf(how),
    OPEN_HOW_SIZE,
  );
  if (fd < 0) throw new ErrnoError(`openat2 ${path}`, readErrno());
  return fd;
}

/**
 * Opens every path the plan names and checks each is what airlock found.
 *
 * @param identities Path → identity, from the plan.
 * @returns Path → descriptor.
 * @throws {Error} Naming the path that changed, or that has a symlink on the way.
 */
export function openGrants(identities: Readonly<Record<string, Identity>>): Map<string, number> {
  const fds = new Map<string, number>();
  for (const [path, expected] of Object.entries(identities)) {
    let fd: number;
    try {
      fd = openNoSymlinks(path);
    } catch (err) {
      throw new Error(
        `"${path}" changed since airlock resolved it (${err instanceof Error ? err.message : err})`,
      );
    }
    const found = identityOf(fd);
    if (found.join() !== expected.join()) {
      sys("close", fd);
      throw new Error(`"${path}" is not the file airlock resolved: it was replaced meanwhile`);
    }
    fds.set(path, fd);
  }
  return fds;
}
