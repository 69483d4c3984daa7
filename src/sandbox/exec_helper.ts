/**
 * The exec helper (`airlock __sandbox-exec`): a short-lived process that confines itself
 * and `execve`s the command, so the command starts confined while airlock stays outside.
 *
 * It reads the plan from `AIRLOCK_SANDBOX_PLAN`, or, when airlock started it early
 * (`prespawn.ts`), first arms its parent-death signal and checks its parent (so it never
 * outlives airlock while it waits), then reads one line from the FIFO named by
 * `AIRLOCK_SANDBOX_PLAN_FIFO` (an empty line or end of file: exit 0 quietly). Then, strictly synchronously on the
 * main thread (Landlock binds only the calling thread; `execve` leaves one thread): chdir
 * → own process group (taking the terminal's foreground if airlock had it) → parent-death
 * signal and a check that the parent is still alive → Landlock ruleset → no-new-privs →
 * `landlock_restrict_self` → seccomp → no capabilities (root keeps its uid, not its
 * privileges) → default signal dispositions and an empty mask →
 * every descriptor above 2 close-on-exec → `execve`.
 *
 * Exit codes when it cannot exec: 125 setup failed, 126 not executable (including a
 * program outside the read grants), 127 not found. Keep the import graph tiny: no CLI,
 * no npm.
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
import { execSeatbelt } from "./exec_helper_macos.ts";
import { createRuleset, restrictSelf } from "./landlock.ts";
import { parsePlan, PLAN_ENV, PLAN_FIFO_ENV, PLAN_PARENT_ENV, type SandboxPlan } from "./plan.ts";
import { buildSeccompProgram, installSeccomp } from "./seccomp.ts";
import {
  addressOf,
  clearSignalMask,
  cString,
  cStringArray,
  describeErrno,
  ErrnoError,
  isatty,
  rawSyscall,
  readErrno,
  restoreSignal,
  setSignal,
  sys,
  syscallNumbers,
  tcgetpgrp,
  tcsetpgrp,
} from "./syscalls.ts";

/** The helper could not set up the sandbox. */
const EXIT_SETUP = 125;
/** The command exists but cannot be executed. */
const EXIT_NOT_EXECUTABLE = 126;
/** The command does not exist. */
const EXIT_NOT_FOUND = 127;

/**
 * Confines this process according to the plan in `AIRLOCK_SANDBOX_PLAN` and execs the
 * command. Never returns: on success the process image is replaced; on failure it prints
 * one line on stderr and exits 125, 126 or 127.
 *
 * Requires `--allow-env`, `--allow-ffi` and `--allow-read` (run with `-A`).
 *
 * @param _args The arguments after `__sandbox-exec` (unused; the plan travels in the
 *   environment so it never shows in `ps`).
 * @returns Never.
 * @example
 * ```ts ignore
 * // main.ts: airlock __sandbox-exec
 * execHelperMain(Deno.args.slice(1));
 * ```
 */
export function execHelperMain(_args: string[]): never {
  const fifo = Deno.env.get(PLAN_FIFO_ENV);
  let text = Deno.env.get(PLAN_ENV);
  if (fifo !== undefined) {
    const parent = Number(Deno.env.get(PLAN_PARENT_ENV));
    step(() => watchParent(parent), "Cannot watch the parent process");
    text = step(() => readPlanLine(fifo), "Cannot receive the sandbox plan");
    if (text === "") Deno.exit(0); // airlock launched nothing
  }
  let plan: SandboxPlan;
  try {
    if (text === undefined) throw new Error(`${PLAN_ENV} is not set`);
    plan = parsePlan(text);
  } catch (err) {
    return fail(EXIT_SETUP, `Cannot start the sandbox helper: ${messageOf(err)}`);
  }
  if (plan.seatbelt !== undefined) return execSeatbelt(plan, fail);
  step(() => Deno.chdir(plan.cwd), `Cannot enter the working directory "${plan.cwd}"`);
  step(takeProcessGroup, "Cannot create a process group");
  step(() => watchParent(plan.parentPid), "Cannot watch the parent process");
  if (plan.landlock !== null) {
    const spec = plan.landlock;
    const fd = step(() => createRuleset(spec), "Cannot build the Landlock ruleset");
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
  return exec(plan);
}

function setNoNewPrivs(): void {
  step(() => sys("prctl", PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "Cannot set no-new-privileges");
}

/**
 * Moves the helper into its own process group; if airlock's group owned the terminal,
 * hands the terminal's foreground to the new group (with SIGTTOU ignored meanwhile).
 */
function takeProcessGroup(): void {
  const oldGroup = sys("getpgid", 0);
  sys("setpgid", 0, 0);
  if (!isatty(0) || tcgetpgrp(0) !== oldGroup) return;
  const previous = setSignal(SIGNALS.SIGTTOU, 1);
  try {
    tcsetpgrp(0, sys("getpid"));
  } finally {
    restoreSignal(SIGNALS.SIGTTOU, previous);
  }
}

/**
 * Opens the FIFO (airlock holds its other end, so this does not wait), removes it and its
 * private directory (airlock writes through its own descriptor), and reads up to the first
 * newline. Blocks until airlock sends the plan; the parent-death signal ends the wait if
 * airlock dies instead.
 *
 * @returns The line without its newline; `""` at end of file.
 */
function readPlanLine(fifo: string): string {
  const file = Deno.openSync(fifo, { read: true });
  try {
    Deno.removeSync(fifo);
    Deno.removeSync(fifo.slice(0, fifo.lastIndexOf("/")));
  } catch {
    // airlock removes them after this process ends
  }
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(65536);
  try {
    for (;;) {
      const n = file.readSync(buf);
      if (n === null || n === 0) return "";
      const chunk = buf.slice(0, n);
      const nl = chunk.indexOf(10);
      chunks.push(nl < 0 ? chunk : chunk.subarray(0, nl));
      if (nl >= 0) break;
    }
  } finally {
    file.close();
  }
  const all = new Uint8Array(chunks.reduce((size, c) => size + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.length;
  }
  return new TextDecoder().decode(all);
}

/** Dies with SIGKILL when the parent dies; exits now if it already has. */
function watchParent(parentPid: number): void {
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

/** Runs one setup step; on failure prints `<what>: <reason>` and exits 125. */
function step<T>(fn: () => T, what: string): T {
  try {
    return fn();
  } catch (err) {
    return fail(EXIT_SETUP, `${what}: ${messageOf(err)}`);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function fail(code: number, message: string): never {
  console.error(`airlock: ${message}`);
  Deno.exit(code);
}
