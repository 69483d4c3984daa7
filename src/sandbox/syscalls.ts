/**
 * Typed wrappers over the raw libc bindings in `ffi/libc.ts`: one place that opens libc,
 * reads `errno` right after a failed call and turns it into an {@linkcode ErrnoError},
 * plus helpers to build C strings and pointer arrays.
 *
 * Everything here is synchronous and runs on the calling thread (Landlock and seccomp
 * bind only the thread that calls them). Requires `--allow-ffi`.
 *
 * @module
 */

import { type Libc, openLibc, SYSCALLS_AARCH64, SYSCALLS_X86_64 } from "../../ffi/libc.ts";
import type { SyscallNumbers } from "../../ffi/libc.ts";

let libc: Libc | undefined;

/**
 * The process-wide libc handle, opened on first use.
 *
 * @returns The opened library.
 * @throws {Error} When libc cannot be loaded.
 */
export function getLibc(): Libc {
  libc ??= openLibc();
  return libc;
}

/** A failed libc call, with the `errno` it left. */
export class ErrnoError extends Error {
  /** The errno value. */
  readonly errno: number;
  /** The call that failed (`landlock_add_rule`). */
  readonly call: string;

  /**
   * @param call The libc function or syscall name.
   * @param errno The errno value.
   */
  constructor(call: string, errno: number) {
    super(`${call} failed: ${describeErrno(errno)}`);
    this.name = "ErrnoError";
    this.call = call;
    this.errno = errno;
  }
}

/**
 * Reads the calling thread's `errno`.
 *
 * @returns The current errno value.
 */
export function readErrno(): number {
  const ptr = getLibc().symbols.__errno_location();
  return ptr === null ? 0 : new Deno.UnsafePointerView(ptr).getInt32();
}

/**
 * Checks a libc return value: a negative result becomes an {@linkcode ErrnoError} carrying
 * errno, anything else is returned as a number. Call it directly on the call's result so
 * nothing runs in between.
 *
 * @param call The function name for the error.
 * @param result The raw return value.
 * @returns The result as a number.
 * @throws {ErrnoError} When the result is negative.
 */
export function unwrap(call: string, result: number | bigint): number {
  const n = Number(result);
  if (n < 0) throw new ErrnoError(call, readErrno());
  return n;
}

/**
 * Calls `syscall(2)` with up to six integer (or address) arguments; missing ones are 0.
 *
 * @param nr The syscall number.
 * @param args The arguments.
 * @returns The raw result (negative on failure, errno set).
 */
export function rawSyscall(nr: number, ...args: (number | bigint)[]): number {
  const a = (i: number) => BigInt(args[i] ?? 0);
  return Number(getLibc().symbols.syscall(BigInt(nr), a(0), a(1), a(2), a(3), a(4), a(5)));
}

/**
 * `strerror(errno)` with the errno name, e.g. `EACCES (Permission denied)`.
 *
 * @param errno The errno value.
 * @returns A short description.
 */
export function describeErrno(errno: number): string {
  const name = ERRNO_NAMES[errno] ?? `errno ${errno}`;
  try {
    const ptr = getLibc().symbols.strerror(errno);
    if (ptr !== null) return `${name} (${new Deno.UnsafePointerView(ptr).getCString()})`;
  } catch {
    // fall through to the bare name
  }
  return name;
}

const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM",
  2: "ENOENT",
  3: "ESRCH",
  4: "EINTR",
  8: "ENOEXEC",
  9: "EBADF",
  12: "ENOMEM",
  13: "EACCES",
  14: "EFAULT",
  16: "EBUSY",
  20: "ENOTDIR",
  21: "EISDIR",
  22: "EINVAL",
  25: "ENOTTY",
  26: "ETXTBSY",
  36: "ENAMETOOLONG",
  38: "ENOSYS",
  40: "ELOOP",
  95: "EOPNOTSUPP",
};

/**
 * The syscall numbers of the running architecture.
 *
 * @returns x86_64 or aarch64 numbers.
 * @throws {Error} On another architecture.
 */
export function syscallNumbers(): SyscallNumbers {
  if (Deno.build.arch === "x86_64") return SYSCALLS_X86_64;
  if (Deno.build.arch === "aarch64") return SYSCALLS_AARCH64;
  throw new Error(`Cannot sandbox: unsupported architecture: current value is ${Deno.build.arch}`);
}

const encoder = new TextEncoder();

/**
 * Encodes a string as a NUL-terminated C string.
 *
 * @param s The string (must not contain NUL).
 * @returns The bytes, ending in 0.
 * @throws {TypeError} When `s` contains a NUL byte.
 */
export function cString(s: string): Uint8Array<ArrayBuffer> {
  if (s.includes("\0")) throw new TypeError(`Cannot pass a string to C: it contains NUL`);
  const bytes = encoder.encode(s);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/**
 * The address of a buffer as a bigint, for integer-typed FFI parameters.
 *
 * @param buf The buffer; keep it referenced until the call returns.
 * @returns The address.
 */
export function addressOf(buf: BufferSource): bigint {
  return BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buf)));
}

/** A NULL-terminated `char *[]` and the strings it points to (kept alive together). */
export interface CStringArray {
  /** The pointer array, ending in NULL. */
  array: BigUint64Array<ArrayBuffer>;
  /** The string buffers the array points into. */
  strings: Uint8Array<ArrayBuffer>[];
}

/**
 * Builds a `char *const []` for `execve`.
 *
 * @param items The strings.
 * @returns The array and its backing strings; keep both referenced until the call.
 */
export function cStringArray(items: string[]): CStringArray {
  const strings = items.map(cString);
  const array = new BigUint64Array(strings.length + 1);
  strings.forEach((s, i) => array[i] = addressOf(s));
  return { array, strings };
}
