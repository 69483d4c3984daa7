/**
 * Typed wrappers over the raw libc bindings in `ffi/libc.ts`: one place that opens libc,
 * reads `errno` right after a failed call and turns it into an {@linkcode ErrnoError},
 * helpers to build C strings and pointer arrays, and the system calls the sandbox makes.
 *
 * Start-up matters here (the exec helper runs on every launch), and binding a libc symbol
 * costs about 0.15 ms, so only `syscall` and `__errno_location` are bound and every call
 * goes through `syscall(2)`; `strerror` is bound only when an error is described.
 *
 * Everything is synchronous and runs on the calling thread (Landlock and seccomp bind
 * only the thread that calls them). Requires `--allow-ffi`.
 *
 * @module
 */

import {
  AT_EMPTY_PATH,
  AT_FDCWD,
  KERNEL_SIGACTION_SIZE,
  KERNEL_SIGSET_SIZE,
  LIBC_CORE_SYMBOLS,
  LIBC_NAME,
  LIBC_STRERROR_SYMBOLS,
  type LibcCore,
  S_IFDIR,
  S_IFMT,
  SIG_SETMASK,
  STATX,
  STATX_TYPE,
  type SyscallNumbers,
  SYSCALLS_AARCH64,
  SYSCALLS_X86_64,
  TCGETS,
  TIOCGPGRP,
  TIOCSPGRP,
} from "../../ffi/libc.ts";

let core: LibcCore | undefined;
let numbers: SyscallNumbers | undefined;

function lib(): LibcCore {
  core ??= Deno.dlopen(LIBC_NAME, LIBC_CORE_SYMBOLS);
  return core;
}

/**
 * The syscall numbers of the running architecture.
 *
 * @returns x86_64 or aarch64 numbers.
 * @throws {Error} On another architecture.
 */
export function syscallNumbers(): SyscallNumbers {
  if (numbers) return numbers;
  if (Deno.build.arch === "x86_64") numbers = SYSCALLS_X86_64;
  else if (Deno.build.arch === "aarch64") numbers = SYSCALLS_AARCH64;
  else {throw new Error(
      `Cannot sandbox: unsupported architecture: current value is ${Deno.build.arch}`,
    );}
  return numbers;
}

/** A failed system call, with the `errno` it left. */
export class ErrnoError extends Error {
  /** The errno value. */
  readonly errno: number;
  /** The call that failed (`landlock_add_rule`). */
  readonly call: string;

  /**
   * Creates the error for a failed call, its message naming the errno.
   *
   * @param call The system call's name (and argument, where it helps).
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
  const ptr = lib().symbols.__errno_location();
  return ptr === null ? 0 : new Deno.UnsafePointerView(ptr).getInt32();
}

/**
 * Checks a return value: a negative result becomes an {@linkcode ErrnoError} carrying
 * errno, anything else is returned. Call it directly on the call's result so nothing runs
 * in between.
 *
 * @param call The name for the error.
 * @param result The raw return value.
 * @returns The result.
 * @throws {ErrnoError} When the result is negative.
 */
export function unwrap(call: string, result: number): number {
  if (result < 0) throw new ErrnoError(call, readErrno());
  return result;
}

/**
 * Calls `syscall(2)` with up to six integer (or address) arguments; missing ones are 0.
 *
 * @param nr The syscall number.
 * @param args The arguments.
 * @returns The raw result (-1 on failure, errno set).
 */
export function rawSyscall(nr: number, ...args: (number | bigint)[]): number {
  const a = (i: number) => BigInt(args[i] ?? 0);
  return Number(lib().symbols.syscall(BigInt(nr), a(0), a(1), a(2), a(3), a(4), a(5)));
}

/**
 * A named syscall of the running architecture, checked with {@linkcode unwrap}.
 *
 * @param name The syscall's name in {@linkcode SyscallNumbers}.
 * @param args The arguments.
 * @returns The result.
 * @throws {ErrnoError} When it fails.
 */
export function sys(name: keyof SyscallNumbers, ...args: (number | bigint)[]): number {
  return unwrap(name, rawSyscall(syscallNumbers()[name], ...args));
}

/**
 * The errno name and `strerror` text, e.g. `EACCES (Permission denied)`.
 *
 * @param errno The errno value.
 * @returns A short description.
 */
export function describeErrno(errno: number): string {
  const name = ERRNO_NAMES[errno] ?? `errno ${errno}`;
  try {
    const ptr = Deno.dlopen(LIBC_NAME, LIBC_STRERROR_SYMBOLS).symbols.strerror(errno);
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

/**
 * `open(path, flags)` relative to the current directory.
 *
 * @param path The path.
 * @param flags `O_*` flags.
 * @returns The descriptor, or `-errno` (so callers can skip ENOENT without a throw).
 */
export function openAt(path: string, flags: number): number {
  const buf = cString(path);
  const fd = rawSyscall(syscallNumbers().openat, AT_FDCWD, addressOf(buf), flags, 0);
  return fd < 0 ? -readErrno() : fd;
}

/**
 * Whether an open descriptor (O_PATH works) refers to a directory, via `statx`.
 *
 * @param fd The descriptor.
 * @returns True for a directory.
 * @throws {ErrnoError} When `statx` fails.
 */
export function isDirectoryFd(fd: number): boolean {
  const buf = new Uint8Array(STATX.size);
  const empty = new Uint8Array(1);
  sys("statx", fd, addressOf(empty), AT_EMPTY_PATH, STATX_TYPE, addressOf(buf));
  const mode = new DataView(buf.buffer).getUint16(STATX.modeOffset, true);
  return (mode & S_IFMT) === S_IFDIR;
}

/**
 * Whether a descriptor is a terminal (`TCGETS` succeeds).
 *
 * @param fd The descriptor.
 * @returns True for a terminal.
 */
export function isatty(fd: number): boolean {
  const termios = new Uint8Array(64);
  return rawSyscall(syscallNumbers().ioctl, fd, TCGETS, addressOf(termios)) === 0;
}

/**
 * The foreground process group of a terminal.
 *
 * @param fd A terminal descriptor.
 * @returns The group id, or -1 when it has none or `fd` is not a terminal.
 */
export function tcgetpgrp(fd: number): number {
  const pgrp = new Int32Array(1);
  const r = rawSyscall(syscallNumbers().ioctl, fd, TIOCGPGRP, addressOf(pgrp));
  return r < 0 ? -1 : pgrp[0]!;
}

/**
 * Makes a process group the terminal's foreground group.
 *
 * @param fd A terminal descriptor.
 * @param pgrp The group.
 * @throws {ErrnoError} When the ioctl fails.
 */
export function tcsetpgrp(fd: number, pgrp: number): void {
  const value = new Int32Array([pgrp]);
  unwrap("tcsetpgrp", rawSyscall(syscallNumbers().ioctl, fd, TIOCSPGRP, addressOf(value)));
}

/**
 * Sets a signal's disposition to SIG_DFL (0) or SIG_IGN (1), returning the previous
 * kernel `struct sigaction` so it can be restored with {@linkcode restoreSignal}.
 *
 * @param signal The signal number.
 * @param handler 0 (SIG_DFL) or 1 (SIG_IGN).
 * @returns The previous action.
 * @throws {ErrnoError} When `rt_sigaction` fails.
 */
export function setSignal(signal: number, handler: 0 | 1): Uint8Array<ArrayBuffer> {
  const act = new Uint8Array(KERNEL_SIGACTION_SIZE);
  new DataView(act.buffer).setBigUint64(0, BigInt(handler), true);
  const old = new Uint8Array(KERNEL_SIGACTION_SIZE);
  sys("rt_sigaction", signal, addressOf(act), addressOf(old), KERNEL_SIGSET_SIZE);
  return old;
}

/**
 * Restores an action saved by {@linkcode setSignal}.
 *
 * @param signal The signal number.
 * @param action The saved action.
 * @throws {ErrnoError} When `rt_sigaction` fails.
 */
export function restoreSignal(signal: number, action: Uint8Array<ArrayBuffer>): void {
  sys("rt_sigaction", signal, addressOf(action), 0, KERNEL_SIGSET_SIZE);
}

/**
 * Empties the calling thread's signal mask.
 *
 * @throws {ErrnoError} When `rt_sigprocmask` fails.
 */
export function clearSignalMask(): void {
  const empty = new Uint8Array(KERNEL_SIGSET_SIZE);
  sys("rt_sigprocmask", SIG_SETMASK, addressOf(empty), 0, KERNEL_SIGSET_SIZE);
}
