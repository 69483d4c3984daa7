/**
 * The exec helper (`airlock __sandbox-exec`): a short-lived process that confines itself
 * and `execve`s the command, so the command starts confined while airlock stays outside
 * (to serve the proxy, relay signals and report the exit status).
 *
 * It reads the plan from `AIRLOCK_SANDBOX_PLAN`, or, when airlock started it early
 * (`prespawn.ts`), first arms its parent-death signal and checks its parent (so it never
 * outlives airlock while it waits), then reads one line from the FIFO named by
 * `AIRLOCK_SANDBOX_PLAN_FIFO` (an empty line or end of file: exit 0 quietly). Then it
 * runs `confineAndExec` (`confine_exec.ts`) in supervised mode: own process group,
 * parent-death signal, Landlock, seccomp, `execve`.
 *
 * Exit codes when it cannot exec: 125 setup failed, 126 not executable (including a
 * program outside the read grants), 127 not found. Keep the import graph tiny: no CLI,
 * no npm.
 *
 * @module
 */

import { confineAndExec, EXIT_SETUP, fail, messageOf, step, watchParent } from "./confine_exec.ts";
import { execSeatbelt } from "./exec_helper_macos.ts";
import { parsePlan, PLAN_ENV, PLAN_FIFO_ENV, PLAN_PARENT_ENV, type SandboxPlan } from "./plan.ts";

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
  return confineAndExec(plan, { supervised: true });
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
