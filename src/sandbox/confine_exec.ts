/**
 * The last steps of every Linux launch: confine the calling process according to a plan
 * and `execve` the command, strictly synchronously on the main thread (Landlock and
 * seccomp bind only the calling thread; `execve` leaves that one thread, so the whole
 * process that runs the command is confined and nothing asynchronous runs in between).
 *
 The caller is the exec helper (`exec_helper.ts`), inside the sandbox's namespaces once
 * it has built the mount namespace (a Landlock-restricted process can no longer mount).
 *
 * Order: chdir → (without namespaces) parent-death signal and a check that airlock is
 * still the parent → Landlock ruleset → no-new-privs → `landlock_restrict_self` → seccomp
 * → no capabilities (root keeps its uid, not its privileges; the user namespace's
 * capabilities go too) → default signal dispositions and an empty mask → every descriptor
 * above 2 close-on-exec → `ready` on the status pipe → `execve`.
 *
 * Exit codes when it cannot exec: 125 setup failed, 126 not executable (including a
 * program outside the read grants), 127 not found; one line on stderr says why. Keep the
 * import graph tiny: no CLI, no npm, no `node:*`.
 *
 * @module
 */

import {
  CLOSE_RANGE_CLOEXEC,
  ERRNO,
  PR_SET_NO_NEW_PRIVS,
  PR_SET_PDEATHSIG,
  SIGNALS,
  SIGRTMAX,
  SYS_CLOSE_RANGE,
} from "../../ffi/libc.ts";
import { dropAllCapabilities } from "./capabilities.ts";
import { createRuleset, restrictSelf } from "./landlock.ts";
import type { SandboxPlan } from "./plan.ts";
import { buildSeccompProgram, installSeccomp } from "./seccomp.ts";
import {
  addressOf,
  clearSignalMask,
  cString,
  cStringArray,
  describeErrno,
  ErrnoError,
  rawSyscall,
  readErrno,
  setSignal,
  sys,
  syscallNumbers,
} from "./syscalls.ts";
import { writeAll } from "./process/pipe.ts";

/** The sandbox could not be set up. */
export const EXIT_SETUP = 125;
/** The command exists but cannot be executed. */
const EXIT_NOT_EXECUTABLE = 126;
/** The command does not exist. */
const EXIT_NOT_FOUND = 127;

/** How {@linkcode confineAndExec} is called. */
export interface ConfineMode {
  /**
   * The airlock process to die with (parent-death signal), when the helper is its direct
   * child; absent inside the namespaces, whose PID 1 already dies with airlock.
   */
  parentPid?: number;
  /** A descriptor to write `ready` on right before `execve` (it closes at the exec). */
  status?: number;
  /** Verified descriptors of granted paths, for their Landlock rules (`grant_fds.ts`). */
  grants?: ReadonlyMap<string, number>;
}

/**
 * Confines this process according to the plan and execs the command. Never returns: on
 * success the process image is replaced; on failure it prints one line on stderr and
 * exits 125, 126 or 127.
 *
 * Requires `--allow-ffi` and `--allow-read` (run with `-A`).
 *
 * @param plan The plan.
 * @param mode The parent to die with and the status pipe.
 * @returns Never.
 * @example
 * ```ts ignore
 * confineAndExec(plan, { status: STATUS_FD }); // this process becomes the command
 * ```
 */
export function confineAndExec(plan: SandboxPlan, mode: ConfineMode): never {
  step(() => Deno.chdir(plan.cwd), `Cannot enter the working directory "${plan.cwd}"`);
  const parentPid = mode.parentPid;
  if (parentPid !== undefined) {
    step(() => watchParent(parentPid), "Cannot watch the parent process");
  }
  if (plan.landlock !== null) {
    const spec = plan.landlock;
    const fd = step(() => createRuleset(spec, mode.grants), "Cannot build the Landlock ruleset");
    setNoNewPrivs();
    step(() => restrictSelf(fd), "Cannot apply Landlock");
  } else {
    setNoNewPrivs();
  }
  if (plan.seccomp !== null) {
    const program = buildSeccompProgram(plan.seccomp);
    step(() => installSeccomp(program), "Cannot install the seccomp filter");
  }
  step(dropAllCapabilities, "Cannot drop capabilities");
  step(resetSignals, "Cannot reset signal handling");
  step(markDescriptorsCloexec, "Cannot close inherited descriptors");
  if (mode.status !== undefined) {
    const status = mode.status;
    step(() => writeAll(status, READY), "Cannot report to airlock");
  }
  return exec(plan);
}

/** What the helper writes on its status pipe right before `execve`. */
const READY = new TextEncoder().encode("ready\n");

function setNoNewPrivs(): void {
  step(() => sys("prctl", PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "Cannot set no-new-privileges");
}

/**
 * Dies with SIGKILL when the parent dies; exits now (125) if it already has.
 *
 * @param parentPid The process this one must not outlive.
 */
export function watchParent(parentPid: number): void {
  sys("prctl", PR_SET_PDEATHSIG, SIGNALS.SIGKILL, 0, 0, 0);
  if (sys("getppid") !== parentPid) Deno.exit(EXIT_SETUP);
}

/**
 * Default dispositions for every signal, real-time ones included (Deno ignores SIGPIPE and
 * signal 32), and an empty mask.
 */
function resetSignals(): void {
  for (let sig = 1; sig <= SIGRTMAX; sig++) {
    if (sig !== SIGNALS.SIGKILL && sig !== SIGNALS.SIGSTOP) setSignal(sig, 0);
  }
  clearSignalMask();
}

/** Marks every descriptor above 2 close-on-exec. */
function markDescriptorsCloexec(): void {
  const r = rawSyscall(SYS_CLOSE_RANGE, 3, 0xffffffff, CLOSE_RANGE_CLOEXEC);
  if (r < 0) throw new ErrnoError("close_range", readErrno());
}

/** execve, or exit 126/127 with a message. */
function exec(plan: SandboxPlan): never {
  const file = cString(plan.file);
  const argv = cStringArray(plan.argv);
  const envp = cStringArray(plan.envp);
  rawSyscall(
    syscallNumbers().execve,
    addressOf(file),
    addressOf(argv.array),
    addressOf(envp.array),
  );
  const errno = readErrno();
  // Keep every buffer reachable until execve has returned.
  void [file, argv.strings, envp.strings];
  const reason = describeErrno(errno);
  if (errno === ERRNO.ENOENT || errno === ERRNO.ENOTDIR) {
    return fail(EXIT_NOT_FOUND, `Cannot run "${plan.file}": ${reason}`);
  }
  const hint = errno === ERRNO.EACCES || errno === ERRNO.EPERM
    ? "\n  hint: grant read access to the program (and its interpreter) with --read"
    : "";
  return fail(EXIT_NOT_EXECUTABLE, `Cannot run "${plan.file}": ${reason}${hint}`);
}

/**
 * Runs one setup step; on failure prints `<what>: <reason>` and exits 125.
 *
 * @param fn The step.
 * @param what What it does, for the message (`Cannot apply Landlock`).
 * @returns What the step returned.
 */
export function step<T>(fn: () => T, what: string): T {
  try {
    return fn();
  } catch (err) {
    return fail(EXIT_SETUP, `${what}: ${messageOf(err)}`);
  }
}

/**
 * The message of a thrown value.
 *
 * @param err What was thrown.
 * @returns Its message.
 */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Prints `airlock: <message>` on stderr and exits.
 *
 * @param code The exit code.
 * @param message One line saying what failed.
 * @returns Never.
 */
export function fail(code: number, message: string): never {
  console.error(`airlock: ${message}`);
  Deno.exit(code);
}
