/**
 * The exec helper (`airlock __sandbox-exec`): a short-lived process that sets up the
 * sandbox from the inside and becomes the command.
 *
 * On Linux it runs inside the namespaces the chain created (`namespaces/chain.ts`), with
 * the user namespace's capabilities. It reads its plan from the pipe it inherited as
 * descriptor 3 — the only way a plan reaches it: no path, no variable another process
 * could set — and refuses a plan that lacks a protection its argv requires
 * (`--require=landlock,seccomp,namespaces,network`). It reports its pid (as airlock sees
 * it) on the status pipe, descriptor 4; brings the network namespace's loopback up and
 * opens its low ports; starts the network bridge when the plan has one and waits until it
 * listens (before the mounts, which may hide the bridge's program); builds the mount
 * namespace (`namespaces/mount_apply.ts`); forbids new user namespaces and makes
 * `/proc/sys` read-only; waits for the second message (the proxy's variables); takes a
 * process group of its own (and the terminal's foreground); then confines itself and
 * execs the command (`confine_exec.ts`),
 * writing `ready` on the status pipe right before `execve`. End of input instead of a
 * plan, or an abort message, makes it exit 0 quietly: airlock launched nothing.
 *
 * On macOS the plan arrives in `AIRLOCK_SANDBOX_PLAN` and carries a Seatbelt profile.
 *
 * Exit codes when it cannot exec: 125 setup failed, 126 not executable, 127 not found.
 * Keep the import graph tiny: no CLI, no npm, no `node:*`.
 *
 * @module
 */

import { F_SETFD, FD_CLOEXEC, O_DIRECTORY, O_PATH, SIGNALS } from "../../ffi/libc.ts";
import { confineAndExec, EXIT_SETUP, fail, messageOf, step } from "./confine_exec.ts";
import { execSeatbelt } from "./exec_helper_macos.ts";
import { applyMounts, protectProc } from "./namespaces/mount_apply.ts";
import { openGrants } from "./namespaces/grant_fds.ts";
import { nsCall } from "./namespaces/mount_calls.ts";
import { allowLowPorts, bringLoopbackUp, forbidUserNamespaces } from "./namespaces/kernel_setup.ts";
import {
  missingRequirement,
  parsePlan,
  PLAN_ENV,
  PLAN_FD,
  type PlanUpdate,
  type Requirement,
  type SandboxPlan,
  STATUS_FD,
} from "./plan.ts";
import { closeFd, readMessage, writeAll } from "./process/pipe.ts";
import { startBridge } from "./bridge_start.ts";
import { isatty, openAt, restoreSignal, setSignal, sys, tcgetpgrp, tcsetpgrp } from "./syscalls.ts";

/** The `--require=` list of the helper's argv. */
function requirements(args: readonly string[]): Requirement[] {
  const flag = args.find((a) => a.startsWith("--require="));
  if (flag === undefined || flag === "--require=") return [];
  return flag.slice("--require=".length).split(",") as Requirement[];
}

/**
 * Runs the helper. Never returns: on success the process image is replaced; on failure
 * it prints one line on stderr and exits 125, 126 or 127.
 *
 * Requires `-A` (FFI, reads and writes for the mounts, `run` for the bridge).
 *
 * @param args The arguments after `__sandbox-exec` (`--require=…`).
 * @returns Never.
 * @example
 * ```ts ignore
 * // main.ts: airlock __sandbox-exec --require=landlock,seccomp,namespaces
 * await execHelperMain(Deno.args.slice(1));
 * ```
 */
export async function execHelperMain(args: string[]): Promise<never> {
  const required = requirements(args);
  const fromEnv = Deno.env.get(PLAN_ENV);
  if (fromEnv !== undefined) {
    const plan = receive(fromEnv, required);
    if (plan.seatbelt !== undefined) return execSeatbelt(plan, fail);
    return confineAndExec(plan, { parentPid: plan.parentPid });
  }
  // The pipes must not leak into the bridge or the command.
  for (const fd of [PLAN_FD, STATUS_FD]) {
    step(
      () => nsCall("fcntl", `fd ${fd}`, fd, F_SETFD, FD_CLOEXEC),
      "Cannot receive the sandbox plan",
    );
  }
  const first = step(() => readMessage(PLAN_FD), "Cannot receive the sandbox plan");
  if (first === null) Deno.exit(0); // airlock launched nothing
  const plan = receive(first, required);
  const pid = step(() => Deno.readLinkSync("/proc/self"), "Cannot read the helper's pid");
  report(`pid ${pid}\n`);

  const ns = plan.namespaces ?? null;
  let grants = new Map<string, number>();
  if (ns !== null) {
    const bridge = ns.bridge;
    // Opened before the mounts hide airlock's directories; inherited by the bridge only.
    const dirFd = bridge === null
      ? -1
      : step(() => openDirectory(bridge.dir), "Cannot open the bridge directory");
    if (ns.network) {
      step(bringLoopbackUp, "Cannot bring up the sandbox's loopback interface");
      step(allowLowPorts, "Cannot open the low ports of the sandbox's network");
    }
    // The bridge starts before the mounts: its program may live where the sandbox's view
    // hides it (a checkout under /tmp), and it must have loaded before the view changes.
    if (bridge !== null) {
      try {
        await startBridge(bridge, dirFd);
      } catch (err) {
        fail(EXIT_SETUP, `Cannot start the network bridge: ${messageOf(err)}`);
      }
    }
    // Every granted path is opened now, once, and checked against what airlock found.
    grants = step(() => openGrants(ns.identities ?? {}), "Cannot confine the grants");
    step(() => applyMounts(ns.mounts, grants), "Cannot build the sandbox's mount namespace");
    // A cache's Landlock rule belongs on its overlay, not on the layer beneath.
    for (const o of ns.mounts.overlays) grants.delete(o.path);
    step(forbidUserNamespaces, "Cannot forbid new user namespaces");
    step(protectProc, "Cannot protect /proc/sys");
  }
  const second = step(() => readMessage(PLAN_FD), "Cannot receive the sandbox plan");
  const update: PlanUpdate = second === null ? { abort: true } : JSON.parse(second);
  if (update.abort) Deno.exit(0);
  for (const [name, value] of Object.entries(update.env ?? {})) {
    plan.envp = [...plan.envp.filter((e) => !e.startsWith(`${name}=`)), `${name}=${value}`];
  }
  closeFd(PLAN_FD);
  step(takeTerminal, "Cannot create a process group");
  const parentPid = ns === null ? plan.parentPid : undefined;
  return confineAndExec(plan, {
    grants,
    ...(parentPid === undefined ? {} : { parentPid }),
    status: STATUS_FD,
  });
}

/** Parses a plan and checks it carries every required protection; exits 125 if not. */
function receive(text: string, required: readonly Requirement[]): SandboxPlan {
  let plan: SandboxPlan;
  try {
    plan = parsePlan(text);
  } catch (err) {
    return fail(EXIT_SETUP, `Cannot start the sandbox helper: ${messageOf(err)}`);
  }
  const missing = missingRequirement(plan, required);
  if (missing !== null) {
    return fail(
      EXIT_SETUP,
      `Cannot start the sandbox: the plan lacks ${missing}, which this launch requires`,
    );
  }
  return plan;
}

/**
 * Makes the command a process group of its own, and the terminal's foreground when its
 * current group had it (airlock handed the terminal to the sandbox's group), so the
 * command is a job leader as a shell would start it: Ctrl-C and Ctrl-Z reach it alone.
 */
function takeTerminal(): void {
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

/** Writes to the status pipe; a gone reader (airlock died) is not the helper's problem. */
function report(line: string): void {
  try {
    writeAll(STATUS_FD, new TextEncoder().encode(line));
  } catch {
    // airlock is gone: the parent-death signal ends this process
  }
}

/** An `O_PATH` directory descriptor without close-on-exec, for the bridge to inherit. */
function openDirectory(path: string): number {
  const fd = openAt(path, O_PATH | O_DIRECTORY);
  if (fd < 0) throw new Error(`open ${path}: errno ${-fd}`);
  return fd;
}
