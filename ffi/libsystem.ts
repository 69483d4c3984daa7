/**
 * Raw bindings to macOS `libSystem.B.dylib` for the Seatbelt sandbox: `sandbox_init` (from
 * libsystem_sandbox, re-exported by libSystem) and the process calls the exec helper
 * needs there. No decisions live here. Requires `--allow-ffi`; loads only on macOS.
 *
 * @module
 */

/** The libSystem symbols airlock calls on macOS. Each parameter carries its C prototype. */
export const LIBSYSTEM_SYMBOLS = {
  /** `int sandbox_init(const char *profile, uint64_t flags, char **errorbuf)`; flags 0: profile is SBPL text. */
  sandbox_init: {
    parameters: [
      "buffer", // const char *profile
      "u64", // uint64_t flags
      "buffer", // char **errorbuf
    ],
    result: "i32",
  },
  /** `void sandbox_free_error(char *errorbuf)` */
  sandbox_free_error: {
    parameters: [
      "pointer", // char *errorbuf
    ],
    result: "void",
  },
  /** `int *__error(void)`: the thread's errno. */
  __error: { parameters: [], result: "pointer" },
  /** `char *ttyname(int fd)`: the terminal device of a descriptor, or NULL. */
  ttyname: {
    parameters: [
      "i32", // int fd
    ],
    result: "pointer",
  },
  /** `int execve(const char *path, char *const argv[], char *const envp[])` */
  execve: {
    parameters: [
      "buffer", // const char *path
      "buffer", // char *const argv[]
      "buffer", // char *const envp[]
    ],
    result: "i32",
  },
  /** `sig_t signal(int sig, sig_t func)`; SIG_DFL is 0. */
  signal: {
    parameters: [
      "i32", // int sig
      "usize", // sig_t func
    ],
    result: "usize",
  },
  /** `int sigprocmask(int how, const sigset_t *set, sigset_t *oset)`; sigset_t is 4 bytes. */
  sigprocmask: {
    parameters: [
      "i32", // int how
      "buffer", // const sigset_t *set
      "buffer", // sigset_t *oset
    ],
    result: "i32",
  },
  /** `int fcntl(int fd, int cmd, int arg)` */
  fcntl: {
    parameters: [
      "i32", // int fd
      "i32", // int cmd
      "i32", // int arg
    ],
    result: "i32",
  },
  /** `int getdtablesize(void)` */
  getdtablesize: { parameters: [], result: "i32" },
  /** `pid_t getppid(void)` */
  getppid: { parameters: [], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The path of libSystem. */
export const LIBSYSTEM_PATH = "/usr/lib/libSystem.B.dylib";

/** `fcntl` commands and flags. */
export const F_SETFD = 2;
/** `FD_CLOEXEC` */
export const FD_CLOEXEC = 1;
/** `sigprocmask` how on macOS. */
export const SIG_SETMASK_DARWIN = 3;
/** Signals on macOS run 1..31. */
export const NSIG_DARWIN = 32;
