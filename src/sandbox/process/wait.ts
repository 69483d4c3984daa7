/**
 * Waits for a child started by `spawnProcess` without blocking the event loop: `waitpid`
 * runs as a non-blocking FFI call on a thread of Deno's blocking pool. Reports stops as
 * well as the end, so the supervisor can follow job control.
 *
 * Deno reaps only the children it started itself (by pid), so it never takes this
 * child's status. Linux only. Requires `--allow-ffi`.
 *
 * @module
 */

import {
  LIBC_NAME,
  LIBC_WAIT_SYMBOLS,
  type LibcWait,
  WNOHANG,
  WUNTRACED,
} from "../../../ffi/libc.ts";
import { addressOf } from "../syscalls.ts";
import { nsCall } from "../namespaces/mount_calls.ts";

/** What happened to the child. */
export type ChildState =
  | { kind: "exited"; code: number }
  | { kind: "signaled"; signal: number }
  | { kind: "stopped"; signal: number };

let lib: LibcWait | undefined;

/**
 * Decodes a `waitpid` status word.
 *
 * @param status The status.
 * @returns The state it describes.
 * @example
 * ```ts
 * import { decodeStatus } from "./wait.ts";
 * console.assert(decodeStatus(3 << 8).kind === "exited");
 * console.assert(JSON.stringify(decodeStatus(9)) === '{"kind":"signaled","signal":9}');
 * console.assert(decodeStatus((20 << 8) | 0x7f).kind === "stopped");
 * ```
 */
export function decodeStatus(status: number): ChildState {
  const low = status & 0x7f;
  if (low === 0) return { kind: "exited", code: (status >> 8) & 0xff };
  if (low === 0x7f) return { kind: "stopped", signal: (status >> 8) & 0xff };
  return { kind: "signaled", signal: low };
}

/**
 * Waits until the child stops or ends.
 *
 * @param pid The child.
 * @returns Its new state.
 * @throws {ErrnoError} When the child does not exist (ECHILD).
 */
export async function waitChild(pid: number): Promise<ChildState> {
  lib ??= Deno.dlopen(LIBC_NAME, LIBC_WAIT_SYMBOLS);
  const status = new Int32Array(1);
  for (;;) {
    // SAFETY: `status` stays referenced while the call runs on another thread.
    const r = await lib.symbols.waitpid(pid, status, WUNTRACED);
    if (r === pid) return decodeStatus(status[0]!);
    // -1 on the other thread: errno is that thread's. Ask again here, without blocking:
    // a child still running means the wait was interrupted by a signal (EINTR).
    // SAFETY: as above; wait4 on this thread, errno readable here.
    const now = nsCall("wait4", `pid ${pid}`, pid, addressOf(status), WNOHANG | WUNTRACED, 0);
    if (now === pid) return decodeStatus(status[0]!);
  }
}
