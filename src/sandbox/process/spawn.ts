/**
 * Starts a child process with `posix_spawn(3)`: Deno's `Deno.Command` can neither give a
 * child a process group of its own without a new session nor place descriptors at chosen
 * numbers, and the launch needs both — the sandbox's process group becomes the terminal's
 * foreground (job control), and the launch channel is a pipe inherited as descriptor 3,
 * never a path.
 *
 * The child gets: exactly the descriptors 0–2 plus the ones asked for (everything else
 * is closed), the signals asked to be ignored ignored (the chain's monitor processes must
 * survive the terminal's Ctrl-C and the signals airlock relays), and its own process
 * group. Other dispositions are inherited as `execve` leaves them (handlers become
 * defaults, Deno's ignored SIGPIPE stays ignored): the exec helper resets every signal and
 * the mask before it execs the command.
 *
 * Linux only. Requires `--allow-ffi`.
 *
 * @module
 */

import {
  LIBC_NAME,
  LIBC_SPAWN_SYMBOLS,
  type LibcSpawn,
  POSIX_SPAWN,
  POSIX_SPAWN_OBJECT_SIZE,
} from "../../../ffi/libc.ts";
import { cString, cStringArray, ErrnoError, restoreSignal, setSignal, sys } from "../syscalls.ts";
import { nsCall } from "../namespaces/mount_calls.ts";

/** `fcntl(F_DUPFD_CLOEXEC)`: a copy at or above a number, close-on-exec. */
const F_DUPFD_CLOEXEC = 1030;
/** Copies of the inherited descriptors are made at or above this number first. */
const HIGH_FD = 100;

let lib: LibcSpawn | undefined;

function spawnLib(): LibcSpawn {
  lib ??= Deno.dlopen(LIBC_NAME, LIBC_SPAWN_SYMBOLS);
  return lib;
}

/** What {@linkcode spawnProcess} starts. */
export interface SpawnOptions {
  /** The program (absolute path) and its arguments. */
  argv: readonly string[];
  /** The complete environment. */
  env: Readonly<Record<string, string>>;
  /** Descriptors for the child: child number (≥ 3) → descriptor of this process. */
  fds?: Readonly<Record<number, number>>;
  /** Signals the child starts with ignored (inherited through `exec`). */
  ignore?: readonly number[];
}

/**
 * Starts a process in a new process group (its pid is the group's id).
 *
 * @param options The program, environment, descriptors and ignored signals.
 * @returns The child's pid.
 * @throws {ErrnoError} When `posix_spawn` fails (the program is missing, say).
 * @example
 * ```ts ignore
 * const pid = spawnProcess({ argv: ["/bin/true"], env: {} });
 * ```
 */
export function spawnProcess(options: SpawnOptions): number {
  const s = spawnLib().symbols;
  const attr = new Uint8Array(POSIX_SPAWN_OBJECT_SIZE);
  const actions = new Uint8Array(POSIX_SPAWN_OBJECT_SIZE);
  const ignore = new Set(options.ignore ?? []);
  // Descriptors are first copied high, so a source never collides with a target number.
  const copies = Object.entries(options.fds ?? {}).map(([target, source]) => ({
    target: Number(target),
    copy: nsCall("fcntl", `fd ${source}`, source, F_DUPFD_CLOEXEC, HIGH_FD),
  }));
  const argv = cStringArray([...options.argv]);
  const envp = cStringArray(Object.entries(options.env).map(([k, v]) => `${k}=${v}`));
  const path = cString(options.argv[0]!);
  const pid = new Int32Array(1);
  const saved = [...ignore].map((sig) => ({ sig, action: setSignal(sig, 1) }));
  try {
    // SAFETY: `attr` and `actions` are zeroed buffers larger than glibc's opaque objects
    // (336 and 80 bytes); the init calls set them up before any other call reads them.
    check("posix_spawnattr_init", s.posix_spawnattr_init(attr));
    check("posix_spawn_file_actions_init", s.posix_spawn_file_actions_init(actions));
    check("posix_spawnattr_setflags", s.posix_spawnattr_setflags(attr, POSIX_SPAWN.SETPGROUP));
    check("posix_spawnattr_setpgroup", s.posix_spawnattr_setpgroup(attr, 0));
    for (const { target, copy } of copies) {
      check(
        "posix_spawn_file_actions_adddup2",
        s.posix_spawn_file_actions_adddup2(actions, copy, target),
      );
    }
    const closeFrom = Math.max(3, ...copies.map((c) => c.target + 1));
    if (s.posix_spawn_file_actions_addclosefrom_np !== null) {
      check(
        "posix_spawn_file_actions_addclosefrom_np",
        s.posix_spawn_file_actions_addclosefrom_np(actions, closeFrom),
      );
    }
    // SAFETY: every buffer (pid, path, actions, attr, argv, envp and the strings they
    // point to) is referenced by a local that outlives this synchronous call.
    check("posix_spawn", s.posix_spawn(pid, path, actions, attr, argv.array, envp.array));
  } finally {
    for (const { sig, action } of saved) restoreSignal(sig, action);
    for (const { copy } of copies) sys("close", copy);
    // The attribute and file-action objects hold no resources beyond these buffers (glibc
    // allocates only for file actions, a few bytes once per launch): no destroy calls.
  }
  void [argv.strings, envp.strings, path];
  return pid[0]!;
}

/** posix_spawn and its helpers return an errno value instead of setting errno. */
function check(call: string, result: number): void {
  if (result !== 0) throw new ErrnoError(call, result);
}
