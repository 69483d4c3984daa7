/**
 * Anonymous pipes for the launch channel: airlock → helper (the plan) and helper →
 * airlock (the helper's progress). A pipe created here is close-on-exec at both ends; a
 * child gets an end only through `spawnProcess`'s descriptor map, so no other process —
 * and no path — can reach it.
 *
 * Linux only. Requires `--allow-ffi` (and `--allow-read=/proc/self/fd` for async reads).
 *
 * @module
 */

import { F_GETPIPE_SZ, F_SETPIPE_SZ, O_CLOEXEC } from "../../../ffi/libc.ts";
import { addressOf, sys } from "../syscalls.ts";
import { nsCall } from "../namespaces/mount_calls.ts";

/** Both ends of a pipe. */
export interface Pipe {
  /** The read end. */
  read: number;
  /** The write end. */
  write: number;
}

/**
 * Creates a pipe, close-on-exec at both ends.
 *
 * @returns Its two descriptors.
 * @throws {ErrnoError} When `pipe2` fails.
 * @example
 * ```ts
 * import { closeFd, createPipe, readMessage, writeMessage } from "./pipe.ts";
 * if (Deno.build.os === "linux") {
 *   const p = createPipe();
 *   writeMessage(p.write, "hello\nworld");
 *   console.assert(readMessage(p.read) === "hello\nworld");
 *   closeFd(p.read);
 *   closeFd(p.write);
 * }
 * ```
 */
export function createPipe(): Pipe {
  const fds = new Int32Array(2);
  // SAFETY: `fds` holds the two ints pipe2 writes.
  nsCall("pipe2", "", addressOf(fds), O_CLOEXEC);
  return { read: fds[0]!, write: fds[1]! };
}

/**
 * Writes all of `bytes`, growing the pipe first so a message larger than its default
 * capacity (64 KiB) fits without waiting for the reader.
 *
 * @param fd The write end.
 * @param bytes The bytes.
 * @throws {ErrnoError} When the write fails (EPIPE: the reader is gone).
 */
export function writeAll(fd: number, bytes: Uint8Array<ArrayBuffer>): void {
  try {
    if (nsCall("fcntl", "F_GETPIPE_SZ", fd, F_GETPIPE_SZ) < bytes.length) {
      nsCall("fcntl", "F_SETPIPE_SZ", fd, F_SETPIPE_SZ, bytes.length);
    }
  } catch {
    // not a pipe, or past pipe-max-size: the write below waits for the reader instead
  }
  let offset = 0;
  while (offset < bytes.length) {
    const chunk = bytes.subarray(offset);
    // SAFETY: `chunk` views `bytes`, which lives until the call returns.
    offset += nsCall("write", `fd ${fd}`, fd, addressOf(chunk), chunk.length);
  }
}

/**
 * Sends one message: its byte length in decimal, a newline, then the bytes, so the
 * reader can take it in a few large reads and leave what follows in the pipe.
 *
 * @param fd The write end.
 * @param text The message.
 * @throws {ErrnoError} When the write fails.
 */
export function writeMessage(fd: number, text: string): void {
  const body = new TextEncoder().encode(text);
  const head = new TextEncoder().encode(`${body.length}\n`);
  const all = new Uint8Array(head.length + body.length);
  all.set(head);
  all.set(body, head.length);
  writeAll(fd, all);
}

/**
 * Receives one message sent by {@linkcode writeMessage}, blocking until it is complete.
 *
 * @param fd The read end.
 * @returns The message, or null at end of input before one started.
 * @throws {ErrnoError} When a read fails.
 * @throws {Error} When the input ends inside a message or the header is malformed.
 */
export function readMessage(fd: number): string | null {
  const one = new Uint8Array(1);
  let header = "";
  for (;;) {
    // SAFETY: `one` has room for the one byte asked for.
    const n = nsCall("read", `fd ${fd}`, fd, addressOf(one), 1);
    if (n === 0) {
      if (header === "") return null;
      throw new Error("Cannot read the message: the input ended inside its header");
    }
    if (one[0] === 10) break;
    header += String.fromCharCode(one[0]!);
    if (!/^\d{1,9}$/.test(header)) throw new Error("Cannot read the message: malformed header");
  }
  const body = new Uint8Array(Number(header));
  let offset = 0;
  while (offset < body.length) {
    const rest = body.subarray(offset);
    // SAFETY: `rest` views `body`, which lives until the call returns.
    const n = nsCall("read", `fd ${fd}`, fd, addressOf(rest), rest.length);
    if (n === 0) throw new Error("Cannot read the message: the input ended inside it");
    offset += n;
  }
  return new TextDecoder().decode(body);
}

/**
 * Closes a descriptor.
 *
 * @param fd The descriptor.
 */
export function closeFd(fd: number): void {
  try {
    sys("close", fd);
  } catch {
    // already closed
  }
}

/**
 * Reads lines as they arrive, asynchronously: the pipe is opened again through
 * `/proc/self/fd`, which gives Deno a file it can read without blocking the event loop.
 * Ends at end of input (every write end closed) or when `onLine` returns true.
 *
 * @param fd The read end (closed by this call).
 * @param onLine Called with each line, without its newline; return true to stop.
 * @returns When reading stopped.
 */
export async function readLines(fd: number, onLine: (line: string) => boolean): Promise<void> {
  const file = await Deno.open(`/proc/self/fd/${fd}`, { read: true });
  closeFd(fd);
  let buffer = "";
  try {
    for await (const chunk of file.readable.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (onLine(line)) return;
      }
    }
  } catch {
    // the pipe broke: nothing more to read
  } finally {
    try {
      file.close();
    } catch {
      // closed by the stream already
    }
  }
}
