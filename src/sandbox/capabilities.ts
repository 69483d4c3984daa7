/**
 * Drops every Linux capability before the exec, so a command started by root keeps
 * root's uid but none of its privileges: no module loading, raw I/O, reboot, ptrace
 * override or DAC override, none of which Landlock mediates. Emptying the bounding set
 * matters most: at `execve` root regains whatever the bounding set still holds.
 *
 * Requires `--allow-ffi` and `--allow-read` (for `/proc/sys/kernel/cap_last_cap`).
 *
 * @module
 */

import {
  ERRNO,
  LINUX_CAPABILITY_VERSION_3,
  PR_CAP_AMBIENT,
  PR_CAP_AMBIENT_CLEAR_ALL,
  PR_CAPBSET_DROP,
} from "../../ffi/libc.ts";
import { addressOf, ErrnoError, rawSyscall, readErrno, sys, syscallNumbers } from "./syscalls.ts";

/**
 * Empties the bounding, ambient, effective, permitted and inheritable capability sets
 * of the calling thread.
 *
 * @throws {ErrnoError} When the bounding set cannot be emptied while running as root
 *   (the command would regain capabilities at exec), or `capset` fails.
 */
export function dropAllCapabilities(): void {
  const prctl = (...args: number[]) => rawSyscall(syscallNumbers().prctl, ...args);
  let last = 63;
  try {
    last = Number(Deno.readTextFileSync("/proc/sys/kernel/cap_last_cap").trim());
  } catch {
    // keep 63: PR_CAPBSET_DROP answers EINVAL past the last capability
  }
  for (let cap = 0; cap <= last; cap++) {
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) === 0) continue;
    const errno = readErrno();
    if (errno === ERRNO.EINVAL) break;
    // Without CAP_SETPCAP only root is at risk: others gain nothing at exec (no-new-privs).
    if (errno === ERRNO.EPERM && sys("geteuid") !== 0) break;
    throw new ErrnoError(`prctl(PR_CAPBSET_DROP, ${cap})`, errno);
  }
  // Ambient capabilities: absent before Linux 4.3 (EINVAL), nothing to clear then.
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
    const errno = readErrno();
    if (errno !== ERRNO.EINVAL) throw new ErrnoError("prctl(PR_CAP_AMBIENT_CLEAR_ALL)", errno);
  }
  // struct __user_cap_header_struct { u32 version; int pid; } and two zeroed data structs.
  const header = new Uint32Array([LINUX_CAPABILITY_VERSION_3, 0]);
  const data = new Uint32Array(6);
  sys("capset", addressOf(header), addressOf(data));
  void [header, data];
}
