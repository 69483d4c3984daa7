/**
 * One Linux launch, from the first instruction of `airlock run` to the command's exit.
 *
 * {@linkcode LinuxLaunch.prepare} runs before the policy is resolved: it creates the
 * session directory and starts the namespace chain with the exec helper inside
 * (`namespaces/chain.ts`), so the helper's Deno start-up overlaps airlock's own work.
 * The helper inherits two pipes and nothing else: descriptor 3 carries the plan
 * (airlock → helper), descriptor 4 its progress (helper → airlock: its pid, then `ready`
 * right before `execve`). {@linkcode LinuxLaunch.start} sends the plan;
 * {@linkcode LinuxLaunch.run} sends what only the proxy knows (its variables), then
 * supervises the sandbox (`process/supervise.ts`) and returns the command's exit status.
 * {@linkcode LinuxLaunch.dispose} makes a helper that was never given a plan exit, stops
 * the bridge's outside relays and removes the session directory.
 *
 * Without the namespace layer (only with `--best-effort`) the helper is started the same
 * way, without the chain, and dies with airlock through its parent-death signal.
 *
 * Linux only. Requires `-A`.
 *
 * @module
 */

import { SIGNALS } from "../../ffi/libc.ts";
import { SandboxSetupError } from "../errors.ts";
import { type OutsideBridge, type OutsideRoute, startOutsideBridge } from "../bridge/outside.ts";
import { connectSocket, listenSocket, PROXY_SOCKET } from "../bridge/spec.ts";
import type { Policy } from "../policy/types.ts";
import { chainCommand, type ChainPrograms } from "./namespaces/chain.ts";
import { helperEnv, thisHelperCommand } from "./helper_command.ts";
import { PLAN_FD, type PlanUpdate, type Requirement, type SandboxPlan, STATUS_FD } from "./plan.ts";
import { closeFd, createPipe, type Pipe, readLines, writeMessage } from "./process/pipe.ts";
import { spawnProcess } from "./process/spawn.ts";
import { supervise } from "./process/supervise.ts";
import { waitChild } from "./process/wait.ts";
import { createSessionDir, removeSessionDir, type SessionDir } from "./session_dir.ts";

/** Signals the chain's monitor processes start with ignored (the terminal's and airlock's relays). */
const MONITOR_IGNORES = [SIGNALS.SIGINT, SIGNALS.SIGQUIT, SIGNALS.SIGTERM, SIGNALS.SIGHUP];

/** How long a helper that was told to exit may take before it is killed, in ms. */
const DISPOSE_GRACE_MS = 5_000;

/** How a launch is prepared before the policy is known. */
export interface LaunchShape {
  /** The namespace chain's programs, or null to launch without namespaces (best effort). */
  programs: ChainPrograms | null;
  /** Whether the chain creates a network namespace (every mode but `open`). */
  network: boolean;
  /** Protections the helper must insist on. */
  require: Requirement[];
}

/** The helper's progress, from the status pipe. */
interface HelperReport {
  /** The command's pid as airlock sees it (the helper's, which execs the command). */
  pid: number | undefined;
  /** Whether the helper reached `execve`. */
  ready: boolean;
}

/** A launch in progress. */
export class LinuxLaunch {
  /** The shape it was prepared with. */
  readonly shape: LaunchShape;
  /** The session directory. */
  readonly session: SessionDir;
  #pid: number;
  #plan: Pipe;
  #report: Promise<HelperReport>;
  #commandPid: number | undefined;
  #outside: OutsideBridge | null = null;
  #started = false;
  #ended = false;

  private constructor(
    shape: LaunchShape,
    session: SessionDir,
    pid: number,
    plan: Pipe,
    status: number,
  ) {
    this.shape = shape;
    this.session = session;
    this.#pid = pid;
    this.#plan = plan;
    const report: HelperReport = { pid: undefined, ready: false };
    this.#report = readLines(status, (line) => {
      const pid = /^pid (\d+)$/.exec(line)?.[1];
      if (pid !== undefined) report.pid = this.#commandPid = Number(pid);
      if (line === "ready") report.ready = true;
      return report.ready;
    }).then(() => report);
  }

  /**
   * Creates the session directory and starts the helper (inside the namespace chain when
   * `shape.programs` is set); it waits for its plan.
   *
   * @param shape Namespaces, network namespace, requirements.
   * @returns The launch.
   * @throws {SandboxSetupError} When the session directory or the chain cannot be created.
   */
  static prepare(shape: LaunchShape): LinuxLaunch {
    // The helper starts first: its start-up is the launch's critical path. The session
    // directory is made meanwhile (the helper learns its paths from the plan).
    const plan = createPipe();
    const status = createPipe();
    const helper = [...thisHelperCommand(), `--require=${shape.require.join(",")}`];
    const argv = shape.programs === null
      ? helper
      : chainCommand(shape.programs, { network: shape.network }, helper);
    let pid: number;
    try {
      pid = spawnProcess({
        argv,
        env: helperEnv({}),
        fds: { [PLAN_FD]: plan.read, [STATUS_FD]: status.write },
        ignore: shape.programs === null ? [] : MONITOR_IGNORES,
      });
    } catch (err) {
      for (const fd of [plan.write, status.read]) closeFd(fd);
      throw new SandboxSetupError(`Cannot start the sandbox: ${messageOf(err)}`, { cause: err });
    } finally {
      closeFd(plan.read);
      closeFd(status.write);
    }
    let session: SessionDir;
    try {
      session = createSessionDir();
    } catch (err) {
      closeFd(plan.write); // the helper exits quietly at end of input
      closeFd(status.read);
      throw new SandboxSetupError(`Cannot create the session directory: ${messageOf(err)}`, {
        cause: err,
        hint: "check that $XDG_STATE_HOME (or ~/.local/state) is writable",
      });
    }
    return new LinuxLaunch(shape, session, pid, plan, status.read);
  }

  /**
   * The socket the session proxy is reached through from inside (bridge directory).
   *
   * @returns Its path.
   */
  get proxySocket(): string {
    return `${this.session.bridge}/${PROXY_SOCKET}`;
  }

  /**
   * Sends the plan; the helper builds the namespaces while airlock starts the proxy.
   * Starts the outside relays for `--allow-port` and `--listen-port` (and, while the
   * proxy listens on TCP, the relay to it).
   *
   * @param plan The plan (with its `namespaces` part when the chain was used).
   * @param policy The policy (its ports).
   * @param proxyTcpPort The proxy's TCP port on the host, when it listens on one.
   * @throws {SandboxSetupError} When the helper is gone or a relay cannot listen.
   */
  start(plan: SandboxPlan, policy: Policy, proxyTcpPort?: number): void {
    if (this.#started) throw new Error("Cannot start a launch twice");
    for (const overlay of plan.namespaces?.mounts.overlays ?? []) {
      Deno.mkdirSync(overlay.upper, { recursive: true, mode: 0o700 });
      Deno.mkdirSync(overlay.work, { recursive: true, mode: 0o700 });
    }
    if (plan.namespaces?.bridge) {
      const routes: OutsideRoute[] = [
        ...policy.network.connectPorts.map((port) => ({
          socket: connectSocket(port),
          port,
          direction: "connect" as const,
        })),
        ...policy.network.bindPorts.map((port) => ({
          socket: listenSocket(port),
          port,
          direction: "listen" as const,
        })),
      ];
      if (proxyTcpPort !== undefined) {
        routes.push({ socket: PROXY_SOCKET, port: proxyTcpPort, direction: "connect" });
      }
      this.#outside = startOutsideBridge(this.session.bridge, routes);
    }
    this.#send(JSON.stringify(plan));
    this.#started = true;
  }

  /**
   * Hands over the proxy's variables and runs the sandbox to its end.
   *
   * @param update The variables the command gets in addition to the plan's.
   * @returns The command's exit status (128+N for signal N); 125 when the sandbox could
   *   not be set up (the helper or the chain printed why).
   * @throws {SandboxSetupError} When the namespace chain failed before the helper ran.
   */
  async run(update: PlanUpdate = {}): Promise<number> {
    this.#send(JSON.stringify(update));
    closeFd(this.#plan.write);
    const code = await supervise(this.#pid, { commandPid: () => this.#commandPid });
    this.#ended = true;
    const report = await this.#report;
    if (report.pid === undefined && this.shape.programs !== null) {
      throw new SandboxSetupError(
        `Cannot create the sandbox's namespaces: the namespace chain exited with ${code} before the exec helper started`,
        {
          hint:
            "see the message above; `airlock doctor` checks each layer (user namespaces may be disabled or restricted here)",
        },
      );
    }
    return code;
  }

  /**
   * Ends a launch that did not run (the helper exits quietly), stops the relays and
   * removes the session directory.
   *
   * @param keepTmp Keep the private `/tmp` and return where it is.
   * @returns The kept directory, or null.
   */
  async dispose(keepTmp = false): Promise<string | null> {
    if (!this.#ended) {
      // Before a plan, end of input is the signal to exit; after one, an abort message.
      if (this.#started) {
        try {
          this.#send(JSON.stringify({ abort: true }));
        } catch {
          // the helper is gone already
        }
      }
      closeFd(this.#plan.write);
      const timer = setTimeout(() => signalGroup(this.#pid, "SIGKILL"), DISPOSE_GRACE_MS);
      await waitChild(this.#pid).catch(() => {});
      clearTimeout(timer);
      this.#ended = true;
    }
    await this.#report;
    this.#outside?.close();
    return removeSessionDir(this.session, keepTmp);
  }

  #send(message: string): void {
    try {
      writeMessage(this.#plan.write, message);
    } catch (err) {
      throw new SandboxSetupError(`Cannot hand the plan to the sandbox helper: ${messageOf(err)}`, {
        cause: err,
      });
    }
  }
}

function signalGroup(group: number, signal: Deno.Signal): void {
  try {
    Deno.kill(-group, signal);
  } catch {
    // gone
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
