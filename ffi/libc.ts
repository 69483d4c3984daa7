/**
 * Raw bindings to glibc (`libc.so.6`) for the Linux sandbox: the `Deno.dlopen` symbol
 * table and the kernel constants (syscall numbers for x86_64 and aarch64, Landlock access
 * bits, prctl codes, seccomp/BPF values, socket families).
 *
 * No decisions live here: typed wrappers in `src/sandbox/` turn return codes and `errno`
 * into errors. Requires `--allow-ffi`.
 *
 * @module
 */

/** The libc symbols airlock calls. Each parameter carries its C prototype. */
export const LIBC_SYMBOLS = {
  /** `long syscall(long number, ...)`: declared with six arguments so every register is defined. */
  syscall: {
    parameters: [
      "i64", // long number
      "i64", // long a1
      "i64", // long a2
      "i64", // long a3
      "i64", // long a4
      "i64", // long a5
      "i64", // long a6
    ],
    result: "i64",
  },
  /** `int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5)` */
  prctl: {
    parameters: [
      "i32", // int option
      "u64", // unsigned long arg2
      "u64", // unsigned long arg3
      "u64", // unsigned long arg4
      "u64", // unsigned long arg5
    ],
    result: "i32",
  },
  /** `int *__errno_location(void)` */
  __errno_location: { parameters: [], result: "pointer" },
  /** `int execve(const char *pathname, char *const argv[], char *const envp[])` */
  execve: {
    parameters: [
      "buffer", // const char *pathname
      "buffer", // char *const argv[]
      "buffer", // char *const envp[]
    ],
    result: "i32",
  },
  /** `int sigprocmask(int how, const sigset_t *set, sigset_t *oldset)` */
  sigprocmask: {
    parameters: [
      "i32", // int how
      "buffer", // const sigset_t *set
      "buffer", // sigset_t *oldset (may be NULL)
    ],
    result: "i32",
  },
  /** `sighandler_t signal(int signum, sighandler_t handler)`; SIG_DFL is 0 and SIG_IGN is 1. */
  signal: {
    parameters: [
      "i32", // int signum
      "usize", // sighandler_t handler
    ],
    result: "usize",
  },
  /** `int setpgid(pid_t pid, pid_t pgid)` */
  setpgid: {
    parameters: [
      "i32", // pid_t pid
      "i32", // pid_t pgid
    ],
    result: "i32",
  },
  /** `pid_t getpgrp(void)` */
  getpgrp: { parameters: [], result: "i32" },
  /** `int tcsetpgrp(int fd, pid_t pgrp)` */
  tcsetpgrp: {
    parameters: [
      "i32", // int fd
      "i32", // pid_t pgrp
    ],
    result: "i32",
  },
  /** `pid_t tcgetpgrp(int fd)` */
  tcgetpgrp: {
    parameters: [
      "i32", // int fd
    ],
    result: "i32",
  },
  /** `pid_t getpid(void)` */
  getpid: { parameters: [], result: "i32" },
  /** `uid_t geteuid(void)` */
  geteuid: { parameters: [], result: "u32" },
  /** `pid_t getppid(void)` */
  getppid: { parameters: [], result: "i32" },
  /** `int isatty(int fd)` */
  isatty: {
    parameters: [
      "i32", // int fd
    ],
    result: "i32",
  },
  /** `int open(const char *pathname, int flags, mode_t mode)` */
  open: {
    parameters: [
      "buffer", // const char *pathname
      "i32", // int flags
      "u32", // mode_t mode
    ],
    result: "i32",
  },
  /** `int close(int fd)` */
  close: {
    parameters: [
      "i32", // int fd
    ],
    result: "i32",
  },
  /** `int chdir(const char *path)` */
  chdir: {
    parameters: [
      "buffer", // const char *path
    ],
    result: "i32",
  },
  /** `char *strerror(int errnum)` */
  strerror: {
    parameters: [
      "i32", // int errnum
    ],
    result: "pointer",
  },
  /** `void _exit(int status)` */
  _exit: {
    parameters: [
      "i32", // int status
    ],
    result: "void",
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** The opened library type. */
export type Libc = Deno.DynamicLibrary<typeof LIBC_SYMBOLS>;

/**
 * `posix_spawn(3)` and its attribute and file-action helpers: the only safe way for a
 * multithreaded process (Deno) to start a child with a process group of its own and with
 * chosen descriptors at chosen numbers (glibc spawns with `clone(CLONE_VM|CLONE_VFORK)`
 * and runs no user code in the child). The attribute and file-action objects are opaque:
 * callers allocate {@linkcode POSIX_SPAWN_OBJECT_SIZE} bytes for each. Only the calls a
 * launch needs are bound: binding a symbol costs about a millisecond on a loaded machine,
 * and the launch waits for it.
 */
export const LIBC_SPAWN_SYMBOLS = {
  /** `int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr, char *const argv[], char *const envp[])`; returns an errno value. */
  posix_spawn: {
    parameters: [
      "buffer", // pid_t *pid
      "buffer", // const char *path
      "buffer", // const posix_spawn_file_actions_t *file_actions
      "buffer", // const posix_spawnattr_t *attrp
      "buffer", // char *const argv[]
      "buffer", // char *const envp[]
    ],
    result: "i32",
  },
  /** `int posix_spawnattr_init(posix_spawnattr_t *attr)` */
  posix_spawnattr_init: { parameters: ["buffer"], result: "i32" },
  /** `int posix_spawnattr_setflags(posix_spawnattr_t *attr, short flags)` */
  posix_spawnattr_setflags: {
    parameters: [
      "buffer", // posix_spawnattr_t *attr
      "i16", // short flags
    ],
    result: "i32",
  },
  /** `int posix_spawnattr_setpgroup(posix_spawnattr_t *attr, pid_t pgroup)` */
  posix_spawnattr_setpgroup: {
    parameters: [
      "buffer", // posix_spawnattr_t *attr
      "i32", // pid_t pgroup
    ],
    result: "i32",
  },
  /** `int posix_spawn_file_actions_init(posix_spawn_file_actions_t *fa)` */
  posix_spawn_file_actions_init: { parameters: ["buffer"], result: "i32" },
  /** `int posix_spawn_file_actions_adddup2(posix_spawn_file_actions_t *fa, int fd, int newfd)` */
  posix_spawn_file_actions_adddup2: {
    parameters: [
      "buffer", // posix_spawn_file_actions_t *file_actions
      "i32", // int fildes
      "i32", // int newfildes
    ],
    result: "i32",
  },
  /** `int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *fa, int from)` (glibc ≥ 2.34) */
  posix_spawn_file_actions_addclosefrom_np: {
    parameters: [
      "buffer", // posix_spawn_file_actions_t *file_actions
      "i32", // int from
    ],
    result: "i32",
    optional: true,
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** The opened spawn symbols. */
export type LibcSpawn = Deno.DynamicLibrary<typeof LIBC_SPAWN_SYMBOLS>;

/**
 * `waitpid(2)` as a non-blocking FFI call: Deno runs it on a thread of its blocking pool
 * and resolves a promise, so the event loop keeps serving (the proxy) while it waits.
 */
export const LIBC_WAIT_SYMBOLS = {
  /** `pid_t waitpid(pid_t pid, int *wstatus, int options)` */
  waitpid: {
    parameters: [
      "i32", // pid_t pid
      "buffer", // int *wstatus
      "i32", // int options
    ],
    result: "i32",
    nonblocking: true,
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** The opened wait symbols. */
export type LibcWait = Deno.DynamicLibrary<typeof LIBC_WAIT_SYMBOLS>;

/** Bytes allocated for an opaque `posix_spawnattr_t` or `posix_spawn_file_actions_t` (glibc: 336 and 80). */
export const POSIX_SPAWN_OBJECT_SIZE = 1024;
/** `posix_spawnattr_setflags` flags. */
export const POSIX_SPAWN = {
  SETPGROUP: 0x02,
} as const;
/** `waitpid` options: also report stopped children. */
export const WUNTRACED = 2;

/**
 * The two symbols every raw system call needs. Binding a symbol costs about 0.15 ms at
 * start-up, so the launch path opens only these and issues the rest as `syscall(2)`.
 */
export const LIBC_CORE_SYMBOLS = {
  syscall: LIBC_SYMBOLS.syscall,
  __errno_location: LIBC_SYMBOLS.__errno_location,
} as const satisfies Deno.ForeignLibraryInterface;

/** The opened core library type. */
export type LibcCore = Deno.DynamicLibrary<typeof LIBC_CORE_SYMBOLS>;

/** `char *strerror(int errnum)` alone, for error messages. */
export const LIBC_STRERROR_SYMBOLS = {
  strerror: LIBC_SYMBOLS.strerror,
} as const satisfies Deno.ForeignLibraryInterface;

/** The shared object name of glibc. */
export const LIBC_NAME = "libc.so.6";

/**
 * Opens glibc with the full symbol table. Requires `--allow-ffi`.
 *
 * @returns The dynamic library with {@linkcode LIBC_SYMBOLS}.
 * @throws {Error} When `libc.so.6` cannot be loaded (not glibc, or no FFI permission).
 */
export function openLibc(): Libc {
  return Deno.dlopen(LIBC_NAME, LIBC_SYMBOLS);
}

/** Syscall numbers that differ between architectures. */
export interface SyscallNumbers {
  /** Syscall number of `socket(2)` (create a communication endpoint). */
  socket: number;
  /** Syscall number of `socketpair(2)` (create a pair of connected sockets). */
  socketpair: number;
  /** Syscall number of `listen(2)` (mark a socket as accepting connections). */
  listen: number;
  /** Syscall number of `sendto(2)` (send a message on a socket, optionally to an address). */
  sendto: number;
  /** Syscall number of `sendmsg(2)` (send a message, with ancillary data, on a socket). */
  sendmsg: number;
  /** Syscall number of `sendmmsg(2)` (send several messages on a socket in one call). */
  sendmmsg: number;
  /** Syscall number of `ioctl(2)` (device-specific control, e.g. terminal requests). */
  ioctl: number;
  /** Syscall number of `ptrace(2)` (trace and control another process). */
  ptrace: number;
  /** Syscall number of `keyctl(2)` (manipulate the kernel key management facility). */
  keyctl: number;
  /** Syscall number of `add_key(2)` (add a key to the kernel key management facility). */
  add_key: number;
  /** Syscall number of `request_key(2)` (request a key from the kernel key management facility). */
  request_key: number;
  /** Syscall number of `seccomp(2)` (operate on the secure computing state of the process). */
  seccomp: number;
  /** Syscall number of `rt_sigaction(2)` (examine or change a signal action). */
  rt_sigaction: number;
  /** Syscall number of `rt_sigprocmask(2)` (examine or change the blocked signal mask). */
  rt_sigprocmask: number;
  /** Syscall number of `capset(2)` (set the thread's capabilities). */
  capset: number;
  /** Syscall number of `prctl(2)` (operations on a process or thread, e.g. set no_new_privs). */
  prctl: number;
  /** Syscall number of `getpid(2)` (the calling process's ID). */
  getpid: number;
  /** Syscall number of `getppid(2)` (the parent process's ID). */
  getppid: number;
  /** Syscall number of `geteuid(2)` (the calling process's effective user ID). */
  geteuid: number;
  /** Syscall number of `setpgid(2)` (set a process's process group). */
  setpgid: number;
  /** Syscall number of `getpgid(2)` (get a process's process group). */
  getpgid: number;
  /** Syscall number of `openat(2)` (open a file relative to a directory fd). */
  openat: number;
  /** Syscall number of `close(2)` (close a file descriptor). */
  close: number;
  /** Syscall number of `chdir(2)` (change the working directory). */
  chdir: number;
  /** Syscall number of `execve(2)` (execute a program). */
  execve: number;
  /** Syscall number of `statx(2)` (get extended file status). */
  statx: number;
}

/** x86_64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
export const SYSCALLS_X86_64: SyscallNumbers = {
  socket: 41,
  socketpair: 53,
  listen: 50,
  sendto: 44,
  sendmsg: 46,
  sendmmsg: 307,
  ioctl: 16,
  ptrace: 101,
  keyctl: 250,
  add_key: 248,
  request_key: 249,
  seccomp: 317,
  rt_sigaction: 13,
  rt_sigprocmask: 14,
  capset: 126,
  prctl: 157,
  getpid: 39,
  getppid: 110,
  geteuid: 107,
  setpgid: 109,
  getpgid: 121,
  openat: 257,
  close: 3,
  chdir: 80,
  execve: 59,
  statx: 332,
};

/** aarch64 syscall numbers (include/uapi/asm-generic/unistd.h). */
export const SYSCALLS_AARCH64: SyscallNumbers = {
  socket: 198,
  socketpair: 199,
  listen: 201,
  sendto: 206,
  sendmsg: 211,
  sendmmsg: 269,
  ioctl: 29,
  ptrace: 117,
  keyctl: 219,
  add_key: 217,
  request_key: 218,
  seccomp: 277,
  rt_sigaction: 134,
  rt_sigprocmask: 135,
  capset: 91,
  prctl: 167,
  getpid: 172,
  getppid: 173,
  geteuid: 175,
  setpgid: 154,
  getpgid: 155,
  openat: 56,
  close: 57,
  chdir: 49,
  execve: 221,
  statx: 291,
};

/** Syscall numbers shared by x86_64 and aarch64 (allocated after the tables were unified). */
export const SYS_IO_URING_SETUP = 425;
/** `io_uring_enter` */
export const SYS_IO_URING_ENTER = 426;
/** `io_uring_register` */
export const SYS_IO_URING_REGISTER = 427;
/** `close_range` */
export const SYS_CLOSE_RANGE = 436;
/** `landlock_create_ruleset` */
export const SYS_LANDLOCK_CREATE_RULESET = 444;
/** `landlock_add_rule` */
export const SYS_LANDLOCK_ADD_RULE = 445;
/** `landlock_restrict_self` */
export const SYS_LANDLOCK_RESTRICT_SELF = 446;

/** `landlock_create_ruleset` flag: return the ABI version instead of a ruleset. */
export const LANDLOCK_CREATE_RULESET_VERSION = 1 << 0;
/** `landlock_add_rule` rule type: `struct landlock_path_beneath_attr` (packed, 12 bytes). */
export const LANDLOCK_RULE_PATH_BENEATH = 1;
/** `landlock_add_rule` rule type: `struct landlock_net_port_attr` (16 bytes). */
export const LANDLOCK_RULE_NET_PORT = 2;

/** Filesystem access rights, with the ABI that introduced each. */
export const LANDLOCK_ACCESS_FS = {
  EXECUTE: 1 << 0, // ABI 1
  WRITE_FILE: 1 << 1, // ABI 1
  READ_FILE: 1 << 2, // ABI 1
  READ_DIR: 1 << 3, // ABI 1
  REMOVE_DIR: 1 << 4, // ABI 1
  REMOVE_FILE: 1 << 5, // ABI 1
  MAKE_CHAR: 1 << 6, // ABI 1
  MAKE_DIR: 1 << 7, // ABI 1
  MAKE_REG: 1 << 8, // ABI 1
  MAKE_SOCK: 1 << 9, // ABI 1
  MAKE_FIFO: 1 << 10, // ABI 1
  MAKE_BLOCK: 1 << 11, // ABI 1
  MAKE_SYM: 1 << 12, // ABI 1
  REFER: 1 << 13, // ABI 2
  TRUNCATE: 1 << 14, // ABI 3
  IOCTL_DEV: 1 << 15, // ABI 5
} as const;

/** Network access rights (ABI 4). */
export const LANDLOCK_ACCESS_NET = {
  BIND_TCP: 1 << 0,
  CONNECT_TCP: 1 << 1,
} as const;

/** IPC scopes (ABI 6). */
export const LANDLOCK_SCOPE = {
  ABSTRACT_UNIX_SOCKET: 1 << 0,
  SIGNAL: 1 << 1,
} as const;

/** `struct landlock_ruleset_attr` size by field count: fs only (8), + net (16), + scoped (24). */
export const LANDLOCK_RULESET_ATTR_SIZE = { fs: 8, net: 16, scoped: 24 } as const;

/** prctl options. */
export const PR_SET_PDEATHSIG = 1;
/** `prctl(PR_GET_SECCOMP)` */
export const PR_GET_SECCOMP = 21;
/** `prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)` */
export const PR_SET_SECCOMP = 22;
/** `prctl(PR_CAPBSET_DROP, cap)`: remove a capability from the bounding set. */
export const PR_CAPBSET_DROP = 24;
/** `prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)` */
export const PR_CAP_AMBIENT = 47;
/** Sub-command of `PR_CAP_AMBIENT`. */
export const PR_CAP_AMBIENT_CLEAR_ALL = 4;
/** `_LINUX_CAPABILITY_VERSION_3` for `capset`'s header (two 32-bit data structs). */
export const LINUX_CAPABILITY_VERSION_3 = 0x20080522;
/** `prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)` */
export const PR_SET_NO_NEW_PRIVS = 38;
/** Seccomp mode: a BPF filter. */
export const SECCOMP_MODE_FILTER = 2;

/** Seccomp filter return actions (high 16 bits) and the data mask. */
export const SECCOMP_RET = {
  KILL_PROCESS: 0x80000000,
  KILL_THREAD: 0x00000000,
  TRAP: 0x00030000,
  ERRNO: 0x00050000,
  ALLOW: 0x7fff0000,
} as const;

/** `AUDIT_ARCH_X86_64` (EM_X86_64 | 64BIT | LE). */
export const AUDIT_ARCH_X86_64 = 0xc000003e;
/** `AUDIT_ARCH_AARCH64` (EM_AARCH64 | 64BIT | LE). */
export const AUDIT_ARCH_AARCH64 = 0xc00000b7;
/** x32 ABI syscalls carry this bit on x86_64. */
export const X32_SYSCALL_BIT = 0x40000000;

/** `struct seccomp_data` offsets: nr (s32), arch (u32), instruction_pointer (u64), args[6] (u64). */
export const SECCOMP_DATA = { nr: 0, arch: 4, args: 16 } as const;

/** Classic BPF opcodes (linux/filter.h, linux/bpf_common.h). */
export const BPF = {
  LD: 0x00,
  ALU: 0x04,
  JMP: 0x05,
  RET: 0x06,
  W: 0x00,
  ABS: 0x20,
  AND: 0x50,
  JA: 0x00,
  JEQ: 0x10,
  JGT: 0x20,
  JGE: 0x30,
  K: 0x00,
} as const;

/** Socket address families. */
export const AF = {
  UNIX: 1,
  INET: 2,
  INET6: 10,
  NETLINK: 16,
  PACKET: 17,
} as const;

/** Socket types (low 4 bits of `type`; SOCK_NONBLOCK/SOCK_CLOEXEC live above). */
export const SOCK = {
  STREAM: 1,
  DGRAM: 2,
  RAW: 3,
  SEQPACKET: 5,
  TYPE_MASK: 0xf,
} as const;

/** `IPPROTO_TCP` */
export const IPPROTO_TCP = 6;

/** `MSG_FASTOPEN`: send data in the SYN, connecting without `connect()`. */
export const MSG_FASTOPEN = 0x20000000;

/** Terminal ioctls that inject input into or paste from a terminal. */
export const TIOCSTI = 0x5412;
/** `TIOCLINUX` (virtual console selection/paste). */
export const TIOCLINUX = 0x541c;

/** Terminal ioctls (asm-generic values, shared by x86_64 and aarch64). */
export const TCGETS = 0x5401;
/** `TIOCGPGRP`: the terminal's foreground process group. */
export const TIOCGPGRP = 0x540f;
/** `TIOCSPGRP`: set the terminal's foreground process group. */
export const TIOCSPGRP = 0x5410;

/** `openat` directory fd meaning the current directory. */
export const AT_FDCWD: number = -100;
/** `statx` flag: operate on the fd itself when the path is empty. */
export const AT_EMPTY_PATH = 0x1000;
/** `statx` mask bit for `stx_mode`'s file type. */
export const STATX_TYPE = 0x1;
/** `struct statx` size and the offset of `stx_mode` (u16). */
export const STATX = {
  size: 256,
  modeOffset: 28,
  inoOffset: 32,
  devMajorOffset: 136,
  devMinorOffset: 140,
} as const;
/** `statx` mask bit for `stx_ino`. */
export const STATX_INO = 0x100;
/** `statx`/`fstatat` flag: do not follow a symlink in the last component. */
export const AT_SYMLINK_NOFOLLOW = 0x100;
/** File type bits of a mode and the directory type. */
export const S_IFMT = 0o170000;
/** `S_IFDIR` */
export const S_IFDIR = 0o040000;

/** open(2) flags. */
export const O_RDONLY = 0;
/** `O_CLOEXEC` */
export const O_CLOEXEC = 0o2000000;
/** `O_PATH` */
export const O_PATH = 0o10000000;

/** `close_range` flag: mark the range close-on-exec instead of closing it now. */
export const CLOSE_RANGE_CLOEXEC = 1 << 2;

/** `sigprocmask` how. */
export const SIG_SETMASK = 2;
/** Size of the kernel's `sigset_t` in bytes (`rt_sigprocmask`'s sigsetsize). */
export const KERNEL_SIGSET_SIZE = 8;
/** `struct sigaction` as the kernel takes it (handler, flags, restorer, mask): 32 bytes. */
export const KERNEL_SIGACTION_SIZE = 32;
/** Highest signal number (`_NSIG - 1`). */
export const SIGRTMAX = 64;
/** Signal handler values. */
export const SIG_DFL = 0n;
/** `SIG_IGN` */
export const SIG_IGN = 1n;

/** Signal numbers (identical on x86_64 and aarch64). */
export const SIGNALS = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGKILL: 9,
  SIGPIPE: 13,
  SIGTERM: 15,
  SIGSTOP: 19,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGXFSZ: 25,
  SIGWINCH: 28,
} as const;

/** errno values used by the wrappers. */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EBADF: 9,
  EACCES: 13,
  ENOTDIR: 20,
  EINVAL: 22,
  ENOEXEC: 8,
  ENOSYS: 38,
  EOPNOTSUPP: 95,
} as const;

/**
 * Pipe and FIFO system calls beyond `SyscallNumbers`, used to hand the plan to a
 * prespawned helper (x86_64 `syscall_64.tbl`, aarch64 `asm-generic/unistd.h`).
 */
export const PIPE_SYSCALLS = {
  /** x86_64: `ssize_t write(int fd, const void *buf, size_t n)`, `int fcntl(int fd, int cmd, ...)`, `int mknodat(int dirfd, const char *path, mode_t mode, dev_t dev)`. */
  x86_64: { write: 1, fcntl: 72, mknodat: 259 },
  /** aarch64: the same calls. */
  aarch64: { write: 64, fcntl: 25, mknodat: 33 },
} as const;

/** `S_IFIFO`: the FIFO file type for `mknodat`. */
export const S_IFIFO = 0o010000;
/** `O_RDWR`: on a FIFO, opens both ends without waiting for a partner. */
export const O_RDWR = 2;
/** `O_NONBLOCK`: a write that does not fit fails with EAGAIN instead of waiting. */
export const O_NONBLOCK = 0o4000;
/** `fcntl` command: set a pipe's capacity in bytes. */
export const F_SETPIPE_SZ = 1031;
/** `fcntl` command: get a pipe's capacity in bytes. */
export const F_GETPIPE_SZ = 1032;
/** `ioctl` request: bytes waiting to be read in a pipe (same value on x86_64 and aarch64). */
export const FIONREAD = 0x541b;

/**
 * System calls of the namespace layer (mounts, pipes, waiting, and the ones seccomp
 * filters by number), beyond `SyscallNumbers` (x86_64 `syscall_64.tbl`, aarch64
 * `asm-generic/unistd.h`; calls numbered 425 and above are the same on both).
 */
export interface NamespaceSyscalls {
  /** `int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const void *data)` */
  mount: number;
  /** `int mkdirat(int dirfd, const char *path, mode_t mode)` */
  mkdirat: number;
  /** `int symlinkat(const char *target, int newdirfd, const char *linkpath)` */
  symlinkat: number;
  /** `int pipe2(int fds[2], int flags)` */
  pipe2: number;
  /** `pid_t wait4(pid_t pid, int *wstatus, int options, struct rusage *ru)` */
  wait4: number;
  /** `ssize_t read(int fd, void *buf, size_t n)` */
  read: number;
  /** `ssize_t write(int fd, const void *buf, size_t n)` */
  write: number;
  /** `int fcntl(int fd, int cmd, ...)` */
  fcntl: number;
  /** `long clone(unsigned long flags, …)`: flags is the first argument on both architectures. */
  clone: number;
  /** `long clone3(struct clone_args *args, size_t size)` */
  clone3: number;
  /** `int unshare(int flags)` */
  unshare: number;
  /** `int setns(int fd, int nstype)` */
  setns: number;
  /** `int open_tree(int dirfd, const char *path, unsigned int flags)` */
  open_tree: number;
  /** `int move_mount(int from_dirfd, const char *from_path, int to_dirfd, const char *to_path, unsigned int flags)` */
  move_mount: number;
  /** `int mount_setattr(int dirfd, const char *path, unsigned int flags, struct mount_attr *attr, size_t size)` */
  mount_setattr: number;
  /** `int pivot_root(const char *new_root, const char *put_old)` */
  pivot_root: number;
  /** `int umount2(const char *target, int flags)` */
  umount2: number;
}

/** {@linkcode NamespaceSyscalls} per architecture. */
export const NAMESPACE_SYSCALLS: Readonly<Record<"x86_64" | "aarch64", NamespaceSyscalls>> = {
  x86_64: {
    mount: 165,
    mkdirat: 258,
    symlinkat: 266,
    pipe2: 293,
    wait4: 61,
    read: 0,
    write: 1,
    fcntl: 72,
    clone: 56,
    clone3: 435,
    unshare: 272,
    setns: 308,
    open_tree: 428,
    move_mount: 429,
    mount_setattr: 442,
    pivot_root: 155,
    umount2: 166,
  },
  aarch64: {
    mount: 40,
    mkdirat: 34,
    symlinkat: 36,
    pipe2: 59,
    wait4: 260,
    read: 63,
    write: 64,
    fcntl: 25,
    clone: 220,
    clone3: 435,
    unshare: 97,
    setns: 268,
    open_tree: 428,
    move_mount: 429,
    mount_setattr: 442,
    pivot_root: 41,
    umount2: 39,
  },
};

/** `umount2` flag: detach now, clean up once no longer busy. */
export const MNT_DETACH = 2;

/** `clone`/`unshare` flag: a new user namespace. */
export const CLONE_NEWUSER = 0x10000000;
/** `open_tree` flag: a detached copy of the mount (a bind mount not yet attached). */
export const OPEN_TREE_CLONE = 1;
/** `open_tree`/`mount_setattr` flag: the whole subtree. */
export const AT_RECURSIVE = 0x8000;
/** `move_mount` flag: the source is the descriptor itself. */
export const MOVE_MOUNT_F_EMPTY_PATH = 0x4;
/** `struct mount_attr` attribute bits. */
export const MOUNT_ATTR = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
} as const;
/** `struct mount_attr { u64 attr_set, attr_clr, propagation, userns_fd; }` (version 0). */
export const MOUNT_ATTR_SIZE_VER0 = 32;
/** `mount(2)` flags. */
export const MS = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  BIND: 0x1000,
  REC: 0x4000,
  PRIVATE: 1 << 18,
} as const;
/** `fcntl` commands on descriptor flags. */
export const F_GETFD = 1;
/** `F_SETFD` */
export const F_SETFD = 2;
/** `FD_CLOEXEC` */
export const FD_CLOEXEC = 1;
/** `O_DIRECTORY` */
export const O_DIRECTORY = 0o200000;
/** `O_WRONLY` */
export const O_WRONLY = 1;
/** `O_CREAT` */
export const O_CREAT = 0o100;
/** `waitpid` option: do not block. */
export const WNOHANG = 1;
/** `ioctl` requests on a socket: read and set an interface's flags (`struct ifreq`, 40 bytes). */
export const SIOCGIFFLAGS = 0x8913;
/** `SIOCSIFFLAGS` */
export const SIOCSIFFLAGS = 0x8914;
/** Interface flags: up, and the loopback's running state. */
export const IFF_UP = 0x1;
/** `IFF_RUNNING` */
export const IFF_RUNNING = 0x40;
/** `NETLINK_ROUTE`: the only netlink protocol the sandbox may open. */
export const NETLINK_ROUTE = 0;

/**
 * The symbols the rollback layer uses to make many written files durable with one call
 * (`syncfs`) instead of one `fsync` each. Requires `--allow-ffi`.
 */
export const LIBC_SYNC_SYMBOLS = {
  /** `int open(const char *pathname, int flags, mode_t mode)` */
  open: LIBC_SYMBOLS.open,
  /** `int close(int fd)` */
  close: LIBC_SYMBOLS.close,
  /** `int syncfs(int fd)` */
  syncfs: {
    parameters: [
      "i32", // int fd
    ],
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** `O_RDONLY | O_DIRECTORY | O_CLOEXEC` on Linux (x86_64 and aarch64 differ in O_DIRECTORY). */
export const O_DIRECTORY_FLAGS: Record<"x86_64" | "aarch64", number> = {
  x86_64: 0o200000 | 0o2000000,
  aarch64: 0o40000 | 0o2000000,
};

/**
 * System calls that set a file's mode, by architecture, and the argument holding the mode
 * (and, for `open`/`openat`, the argument holding the flags): seccomp refuses the
 * set-user-ID and set-group-ID bits through them. aarch64 has only the `*at` forms.
 */
export const MODE_SYSCALLS: Readonly<
  Record<"x86_64" | "aarch64", readonly { nr: number; mode: number; flags?: number }[]>
> = {
  x86_64: [
    { nr: 90, mode: 1 }, // chmod(path, mode)
    { nr: 91, mode: 1 }, // fchmod(fd, mode)
    { nr: 268, mode: 2 }, // fchmodat(dirfd, path, mode)
    { nr: 452, mode: 2 }, // fchmodat2(dirfd, path, mode, flags)
    { nr: 133, mode: 1 }, // mknod(path, mode, dev)
    { nr: 259, mode: 2 }, // mknodat(dirfd, path, mode, dev)
    { nr: 85, mode: 1 }, // creat(path, mode)
    { nr: 2, mode: 2, flags: 1 }, // open(path, flags, mode)
    { nr: 257, mode: 3, flags: 2 }, // openat(dirfd, path, flags, mode)
  ],
  aarch64: [
    { nr: 52, mode: 1 }, // fchmod(fd, mode)
    { nr: 53, mode: 2 }, // fchmodat(dirfd, path, mode)
    { nr: 452, mode: 2 }, // fchmodat2(dirfd, path, mode, flags)
    { nr: 33, mode: 2 }, // mknodat(dirfd, path, mode, dev)
    { nr: 56, mode: 3, flags: 2 }, // openat(dirfd, path, flags, mode)
  ],
};
/** `openat2`: its mode lives in a struct the filter cannot read, so it answers ENOSYS. */
export const SYS_OPENAT2 = 437;
/** The set-user-ID and set-group-ID mode bits. */
export const S_ISUID_ISGID = 0o6000;
/** `open` flags that create a file (and so use the mode): `O_CREAT`, `O_TMPFILE`'s own bit. */
export const O_CREAT_OR_TMPFILE = 0o100 | 0o20000000;

/** `openat2` resolve flag: fail on any symlink along the path (`ELOOP`). */
export const RESOLVE_NO_SYMLINKS = 0x04;
/** `openat2` resolve flag: stay beneath the directory descriptor. */
export const RESOLVE_BENEATH = 0x08;
/** `struct open_how { u64 flags, mode, resolve; }` (version 0). */
export const OPEN_HOW_SIZE = 24;
