/**
 * The macOS launch: starts the exec helper (`airlock __sandbox-exec`, see
 * `helper_command.ts`) with its plan in the environment, relays signals to it and
 * resolves to the command's exit status. (Linux launches go through
 * `launch_linux.ts`: namespaces, a pipe for the plan, job control.)
 *
 * The helper gets a minimal environment: the plan plus what Deno needs to find its cache,
 * never airlock's own variables (which may hold credentials).
 *
 * @module
 */

import { spawnHelper } from "./helper_command.ts";
import { PLAN_ENV, type SandboxPlan } from "./plan.ts";

export { helperCommand } from "./helper_command.ts";

/** Signals airlock relays to the command. */
export const RELAYED_SIGNALS: readonly Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"];

/**
 * Runs the helper with a plan and waits for the command.
 *
 * Requires `--allow-run` and `--allow-env`.
 *
 * @param plan The plan (its `parentPid` must be this process).
 * @returns The command's exit code, or 128+N when a signal N killed it.
 * @throws {Error} When the helper cannot be spawned.
 */
export async function launchHelper(plan: SandboxPlan): Promise<number> {
  const child = spawnHelper({ [PLAN_ENV]: JSON.stringify(plan) });
  const relays = new Map<Deno.Signal, () => void>();
  for (const signal of RELAYED_SIGNALS) {
    const relay = () => {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
    };
    relays.set(signal, relay);
    Deno.addSignalListener(signal, relay);
  }
  try {
    const status = await child.status;
    if (status.signal !== null && status.code < 128) return 128 + signalNumber(status.signal);
    return status.code;
  } finally {
    for (const [signal, relay] of relays) Deno.removeSignalListener(signal, relay);
  }
}

const SIGNAL_NUMBERS: Partial<Record<Deno.Signal, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGABRT: 6,
  SIGKILL: 9,
  SIGSEGV: 11,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
};

function signalNumber(signal: Deno.Signal): number {
  return SIGNAL_NUMBERS[signal] ?? 0;
}
