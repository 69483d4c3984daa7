/**
 * Starts the exec helper (`airlock __sandbox-exec`, see `helper_command.ts`) with a plan —
 * or hands the plan to the helper `prespawn.ts` started early — forwards signals to it,
 * follows its terminal job control (`job_control.ts`) and resolves to the command's exit
 * status.
 *
 * The helper gets a minimal environment: the plan plus what Deno needs to find its cache,
 * never airlock's own variables (which may hold credentials).
 *
 * @module
 */

import { SandboxSetupError } from "../errors.ts";
import { spawnHelper } from "./helper_command.ts";
import { PLAN_ENV, type SandboxPlan } from "./plan.ts";
import { type PrespawnedHelper, takePrespawned } from "./prespawn.ts";
import { followStops, giveTerminal, ownsTerminal, processGroup } from "./job_control.ts";

export { helperCommand } from "./helper_command.ts";

/** Signals airlock relays to the command. */
export const FORWARDED_SIGNALS: readonly Deno.Signal[] = [
  "SIGINT",
  "SIGTERM",
  "SIGHUP",
  "SIGQUIT",
  "SIGWINCH",
];

/** Options of {@linkcode launchHelper}. */
export interface LaunchHelperOptions {
  /**
   * Take the terminal back after the command if the helper took its foreground (the
   * Linux helper does; it uses Linux system calls, so only Linux sets this).
   */
  manageTerminal: boolean;
}

/**
 * Runs the helper with a plan and waits for the command.
 *
 * Requires `--allow-run`, `--allow-env` and `--allow-ffi`.
 *
 * @param plan The plan (its `parentPid` must be this process).
 * @param options Terminal handling.
 * @returns The command's exit code, or 128+N when a signal N killed it.
 * @throws {Error} When the helper cannot be spawned.
 * @throws {SandboxSetupError} When a prespawned helper cannot be handed the plan, or
 *   ended before reading it.
 */
export async function launchHelper(
  plan: SandboxPlan,
  options: LaunchHelperOptions,
): Promise<number> {
  const prespawned = takePrespawned();
  const terminal = options.manageTerminal && ownsTerminal();
  const ownGroup = terminal ? processGroup() : 0;
  const child = prespawned !== null
    ? await handOver(prespawned, plan)
    : spawnHelper({ [PLAN_ENV]: JSON.stringify(plan) });

  const unfollow = terminal ? followStops(child.pid) : () => {};
  const forward = new Map<Deno.Signal, () => void>();
  for (const signal of FORWARDED_SIGNALS) {
    const handler = () => relay(child, signal);
    forward.set(signal, handler);
    Deno.addSignalListener(signal, handler);
  }
  try {
    const status = await child.status;
    if (prespawned !== null && !prespawned.finish()) {
      throw new SandboxSetupError(
        `Cannot start the sandbox helper: it ended before reading the plan: ${describe(status)}`,
      );
    }
    if (status.signal !== null && status.code < 128) return 128 + signalNumber(status.signal);
    return status.code;
  } finally {
    for (const [signal, handler] of forward) Deno.removeSignalListener(signal, handler);
    unfollow();
    if (terminal) giveTerminal(ownGroup);
    prespawned?.finish();
  }
}

/** Gives a prespawned helper its plan; when that fails, makes it exit and throws. */
async function handOver(helper: PrespawnedHelper, plan: SandboxPlan): Promise<Deno.ChildProcess> {
  try {
    helper.send(JSON.stringify(plan));
    return helper.child;
  } catch (err) {
    await helper.discard();
    throw new SandboxSetupError(
      `Cannot hand the plan to the sandbox helper: ${err instanceof Error ? err.message : err}`,
      { cause: err },
    );
  }
}

/** `exit code N` or `killed by SIGNAL`. */
function describe(status: Deno.CommandStatus): string {
  return status.signal !== null ? `killed by ${status.signal}` : `exit code ${status.code}`;
}

/** Sends a signal to the helper's process group (the command and its children), else to it. */
function relay(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    Deno.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

const SIGNAL_NUMBERS: Partial<Record<Deno.Signal, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSYS: 31,
};

function signalNumber(signal: Deno.Signal): number {
  return SIGNAL_NUMBERS[signal] ?? 0;
}
