/**
 * The two kernel settings the exec helper makes inside its namespaces, while it still
 * holds the user namespace's capabilities: the new network namespace's loopback
 * interface up (it starts down, so not even `127.0.0.1` would answer), and the user
 * namespace's `user.max_user_namespaces` set to 0, so the command cannot create user
 * namespaces (the usual kernel privilege-escalation surface) — a second layer beside the
 * seccomp rule, which the command could not lift either once capabilities are dropped.
 *
 * Linux only; synchronous. Requires `--allow-ffi` and `--allow-write=/proc/sys/user`.
 *
 * @module
 */

import { AF, IFF_RUNNING, IFF_UP, SIOCGIFFLAGS, SIOCSIFFLAGS, SOCK } from "../../../ffi/libc.ts";
import { addressOf, sys } from "../syscalls.ts";

/** The sysctl that bounds user namespaces, per user namespace. */
export const MAX_USER_NAMESPACES = "/proc/sys/user/max_user_namespaces";

/**
 * Brings the loopback interface of the current network namespace up.
 *
 * @throws {ErrnoError} When the socket or the ioctls fail.
 * @example
 * ```ts ignore
 * bringLoopbackUp(); // inside a fresh network namespace, with CAP_NET_ADMIN there
 * ```
 */
export function bringLoopbackUp(): void {
  const fd = sys("socket", AF.INET, SOCK.DGRAM, 0);
  try {
    // struct ifreq: char ifr_name[16]; then a union whose first member is short ifr_flags.
    const ifreq = new Uint8Array(40);
    ifreq.set(new TextEncoder().encode("lo"));
    const view = new DataView(ifreq.buffer);
    // SAFETY: `ifreq` is 40 bytes, the size of struct ifreq on x86_64 and aarch64.
    sys("ioctl", fd, SIOCGIFFLAGS, addressOf(ifreq));
    view.setInt16(16, view.getInt16(16, true) | IFF_UP | IFF_RUNNING, true);
    sys("ioctl", fd, SIOCSIFFLAGS, addressOf(ifreq));
  } finally {
    sys("close", fd);
  }
}

/**
 * Forbids new user namespaces inside the current one (`user.max_user_namespaces = 0`).
 *
 * @throws {Deno.errors.PermissionDenied} And other write errors.
 */
export function forbidUserNamespaces(): void {
  Deno.writeTextFileSync(MAX_USER_NAMESPACES, "0");
}
