/**
 * The pipe that carries a plan to a prespawned exec helper (`prespawn.ts`): a FIFO in a
 * fresh private directory, which airlock opens read+write before it starts the helper.
 *
 * Holding both ends makes every step non-blocking on airlock's side: the helper's
 * blocking `open` returns at once (a writer exists), the plan goes into the pipe's buffer
 * with one non-blocking `write` whether or not the helper is alive yet (the buffer is
 * grown to fit first), and after the helper has ended, the bytes left unread tell whether
 * it ever took the plan. The message is the plan's JSON and one newline (JSON text never
 * contains a raw newline); an empty line means "nothing to run, exit quietly".
 *
 * Linux only; raw system calls through `syscalls.ts`. Requires `--allow-ffi`.
 *
 * @module
 */

import {
  AT_FDCWD,
  F_GETPIPE_SZ,
  F_SETPIPE_SZ,
  FIONREAD,
  O_CLOEXEC,
  O_NONBLOCK,
  O_RDWR,
  PIPE_SYSCALLS,
  S_IFIFO,
} from "../../ffi/libc.ts";
import {
  addressOf,
  cString,
  ErrnoError,
  openAt,
  rawSyscall,
  sys,
  syscallNumbers,
  unwrap,
} from "./syscalls.ts";

function pipeCalls(): { write: number; fcntl: number; mknodat: number } {
  syscallNumbers(); // throws on an unsupported architecture
  return Deno.build.arch === "aarch64" ? PIPE_SYSCALLS.aarch64 : PIPE_SYSCALLS.x86_64;
}

/**
 * Creates a FIFO (mode 0600) and opens both of its ends, close-on-exec and non-blocking.
 *
 * @param path Where to create it (inside a private directory).
 * @returns The descriptor.
 * @throws {ErrnoError} When `mknodat` or `open` fails.
 * @example
 * ```ts
 * import { closePlanPipe, createPlanPipe, sendOnPlanPipe, unreadOnPlanPipe } from "./plan_pipe.ts";
 * if (Deno.build.os === "linux") {
 *   const dir = Deno.makeTempDirSync();
 *   const fd = createPlanPipe(`${dir}/plan`);
 *   sendOnPlanPipe(fd, "{}");
 *   console.assert(unreadOnPlanPipe(fd) === 3);
 *   closePlanPipe(fd);
 *   Deno.removeSync(dir, { recursive: true });
 * }
 * ```
 */
export function createPlanPipe(path: string): number {
  const name = cString(path);
  unwrap("mknodat", rawSyscall(pipeCalls().mknodat, AT_FDCWD, addressOf(name), S_IFIFO | 0o600, 0));
  const fd = openAt(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw new ErrnoError(`open ${path}`, -fd);
  return fd;
}

/**
 * Puts one message (`text` and a newline) into the pipe without waiting: the pipe is grown
 * to hold it first, so one write takes all of it or none.
 *
 * @param fd The pipe from {@linkcode createPlanPipe}, empty.
 * @param text The message, without newlines (`""` asks the helper to exit quietly).
 * @throws {ErrnoError} When the pipe cannot be grown (the message is larger than
 *   `/proc/sys/fs/pipe-max-size`) or the write fails.
 * @throws {Error} When the write is short.
 */
export function sendOnPlanPipe(fd: number, text: string): void {
  const bytes = new TextEncoder().encode(`${text}\n`);
  const calls = pipeCalls();
  if (unwrap("fcntl F_GETPIPE_SZ", rawSyscall(calls.fcntl, fd, F_GETPIPE_SZ)) < bytes.length) {
    unwrap("fcntl F_SETPIPE_SZ", rawSyscall(calls.fcntl, fd, F_SETPIPE_SZ, bytes.length));
  }
  const written = unwrap("write", rawSyscall(calls.write, fd, addressOf(bytes), bytes.length));
  if (written !== bytes.length) {
    throw new Error(`Cannot write the plan: wrote ${written} of ${bytes.length} bytes`);
  }
}

/**
 * How many bytes wait unread in the pipe.
 *
 * @param fd The pipe.
 * @returns The byte count.
 * @throws {ErrnoError} When the ioctl fails.
 */
export function unreadOnPlanPipe(fd: number): number {
  const count = new Int32Array(1);
  sys("ioctl", fd, FIONREAD, addressOf(count));
  return count[0]!;
}

/**
 * Closes the pipe's descriptor.
 *
 * @param fd The pipe.
 */
export function closePlanPipe(fd: number): void {
  rawSyscall(syscallNumbers().close, fd);
}
