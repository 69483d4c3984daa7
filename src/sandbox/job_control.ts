/**
 * Terminal job control for a confined command that runs in its own process group and
 * owns the terminal's foreground (the exec helper hands it over): take the terminal back
 * when the command ends, and make Ctrl-Z work — when the command stops, airlock takes the
 * terminal back and stops itself so the shell sees a stopped job; on `fg` it hands the
 * terminal to the command again and continues it.
 *
 * Linux only (it issues Linux system calls and reads `/proc`).
 *
 * @module
 */

import { SIGNALS } from "../../ffi/libc.ts";
import { isatty, restoreSignal, setSignal, sys, tcgetpgrp, tcsetpgrp } from "./syscalls.ts";

/**
 * This process's group.
 *
 * @returns The process group id.
 */
export function processGroup(): number {
  return sys("getpgid", 0);
}

/**
 * Whether stdin is a terminal whose foreground process group is ours.
 *
 * @returns True when airlock owns the terminal's foreground.
 */
export function ownsTerminal(): boolean {
  try {
    return isatty(0) && tcgetpgrp(0) === processGroup();
  } catch {
    return false;
  }
}

/**
 * Makes a process group the terminal's foreground, with SIGTTOU ignored meanwhile (a
 * background process may not otherwise change it).
 *
 * @param group The process group.
 */
export function giveTerminal(group: number): void {
  try {
    if (tcgetpgrp(0) === group) return;
    const previous = setSignal(SIGNALS.SIGTTOU, 1);
    try {
      tcsetpgrp(0, group);
    } finally {
      restoreSignal(SIGNALS.SIGTTOU, previous);
    }
  } catch {
    // the terminal is gone; nothing to hand over
  }
}

/**
 * Whether a process is stopped (state `T` in `/proc/PID/stat`).
 *
 * @param pid The process.
 * @returns True when stopped.
 */
export function isStopped(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.charAt(stat.lastIndexOf(")") + 2) === "T";
  } catch {
    return false;
  }
}

/**
 * Follows the command's stops while it runs in the foreground process group `group`.
 *
 * Requires `--allow-read=/proc` and `--allow-ffi`.
 *
 * @param group The command's process group (the helper's pid).
 * @returns A function that stops watching.
 */
export function followStops(group: number): () => void {
  const ownGroup = processGroup();
  const onChild = () => {
    if (!isStopped(group)) return;
    giveTerminal(ownGroup);
    Deno.kill(Deno.pid, "SIGSTOP"); // the shell now sees a stopped job
    // Resumed (`fg`): the shell gave us the terminal; pass it on and wake the command.
    giveTerminal(group);
    try {
      Deno.kill(-group, "SIGCONT");
    } catch {
      // the command is gone
    }
  };
  Deno.addSignalListener("SIGCHLD", onChild);
  return () => Deno.removeSignalListener("SIGCHLD", onChild);
}
