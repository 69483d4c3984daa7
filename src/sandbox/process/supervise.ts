/**
 * Supervises the sandbox from outside: airlock stays the parent of the namespace chain,
 * passes the terminal to the sandbox's process group and back, relays the signals it is
 * sent, follows job control and returns the command's exit status.
 *
 * The chain runs in a process group of its own (`spawnProcess`); with a terminal, that
 * group is made the foreground, and the exec helper then moves the command into a group
 * of its own and hands it the foreground, so Ctrl-C and Ctrl-Z reach the command alone
 * and airlock, in the background, receives only what is sent to it — which it relays to
 * the command's group and the chain's. When the command stops (seen by polling its
 * state; only the sandbox's parent could wait for it), airlock takes the terminal back
 * and stops itself, so the shell sees a stopped job; on `fg` it hands the terminal to the
 * command again and continues it.
 *
 * Linux only. Requires `--allow-ffi` and `--allow-read=/proc`.
 *
 * @module
 */

import { SIGNALS } from "../../../ffi/libc.ts";
import { isatty, restoreSignal, setSignal, sys, tcgetpgrp, tcsetpgrp } from "../syscalls.ts";
import { type ChildState, waitChild } from "./wait.ts";

/** Signals airlock relays to the sandbox's process group. */
export const FORWARDED_SIGNALS: readonly Deno.Signal[] = [
  "SIGINT",
  "SIGTERM",
  "SIGHUP",
  "SIGQUIT",
  "SIGWINCH",
];

/** How often a command's own stop is looked for while it owns the terminal, in ms. */
const STOP_POLL_MS = 100;

/** Options of {@linkcode supervise}. */
export interface SuperviseOptions {
  /** The outer pid of the command, once the helper has reported it. */
  commandPid?: () => number | undefined;
}

/**
 * Runs the sandbox to its end.
 *
 * @param pid The chain's pid (also its process group).
 * @param options Where to find the command's pid for job control.
 * @returns The exit code: the command's, or 128+N when a signal N ended it.
 */
export async function supervise(pid: number, options: SuperviseOptions = {}): Promise<number> {
  const terminal = ownsTerminal();
  const ownGroup = sys("getpgid", 0);
  if (terminal) giveTerminal(pid);
  const relays = new Map<Deno.Signal, () => void>();
  const groups = () => [pid, options.commandPid?.()].filter((g): g is number => g !== undefined);
  for (const signal of FORWARDED_SIGNALS) {
    const relay = () => groups().forEach((g) => signalGroup(g, signal));
    relays.set(signal, relay);
    Deno.addSignalListener(signal, relay);
  }
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    giveTerminal(ownGroup);
    Deno.kill(Deno.pid, "SIGSTOP"); // the shell now sees a stopped job
    // Resumed (`fg`): the shell gave the terminal back; pass it on and wake the sandbox.
    const command = options.commandPid?.();
    giveTerminal(command ?? pid);
    groups().forEach((g) => signalGroup(g, "SIGCONT"));
    stopping = false;
  };
  const poll = terminal
    ? setInterval(() => {
      const command = options.commandPid?.();
      if (command !== undefined && isStopped(command)) stop();
    }, STOP_POLL_MS)
    : undefined;
  try {
    for (;;) {
      const state: ChildState = await waitChild(pid);
      if (state.kind === "exited") return state.code;
      if (state.kind === "signaled") return 128 + state.signal;
      if (terminal) stop();
      else groups().forEach((g) => signalGroup(g, "SIGCONT")); // nothing else would resume it
    }
  } finally {
    if (poll !== undefined) clearInterval(poll);
    for (const [signal, relay] of relays) Deno.removeSignalListener(signal, relay);
    if (terminal) giveTerminal(ownGroup);
  }
}

/** Sends a signal to a process group; nothing if it is gone. */
function signalGroup(group: number, signal: Deno.Signal): void {
  try {
    Deno.kill(-group, signal);
  } catch {
    // already gone
  }
}

/** Whether stdin is a terminal whose foreground process group is ours. */
function ownsTerminal(): boolean {
  try {
    return isatty(0) && tcgetpgrp(0) === sys("getpgid", 0);
  } catch {
    return false;
  }
}

/**
 * Makes a process group the terminal's foreground, with SIGTTOU ignored meanwhile (a
 * background process may not otherwise change it).
 */
function giveTerminal(group: number): void {
  try {
    if (tcgetpgrp(0) === group) return;
    const previous = setSignal(SIGNALS.SIGTTOU, 1);
    try {
      tcsetpgrp(0, group);
    } finally {
      restoreSignal(SIGNALS.SIGTTOU, previous);
    }
  } catch {
    // the terminal is gone, or the group: nothing to hand over
  }
}

/**
 * Whether a process is stopped (state `T` in `/proc/PID/stat`).
 *
 * @param pid The process.
 * @returns True when stopped.
 * @example
 * ```ts
 * import { isStopped } from "./supervise.ts";
 * console.assert(isStopped(Deno.pid) === false);
 * ```
 */
export function isStopped(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.charAt(stat.lastIndexOf(")") + 2) === "T";
  } catch {
    return false;
  }
}
