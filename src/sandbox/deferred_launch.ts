/**
 * A {@linkcode PreparedLaunch} for platforms whose sandbox has nothing to start early
 * (macOS, unsupported systems): `start()` checks the policy and keeps it, `run()` adds the
 * proxy's variables and runs the command through the sandbox's `run()`.
 *
 * @module
 */

import type { Policy } from "../policy/types.ts";
import type { LaunchOptions, PreparedLaunch, Sandbox, SessionFilesPlace } from "./types.ts";
import { ownerOnlyTempDir } from "./session_files.ts";

/** A launch that starts only when it runs. */
export class DeferredLaunch implements PreparedLaunch {
  /** No session directory is made. */
  readonly sessionId = null;
  /** Without a mount namespace, grants reaching airlock's state are refused instead. */
  readonly hidesState = false;
  #sandbox: Sandbox;
  #started: { policy: Policy; options: LaunchOptions } | null = null;
  #files: SessionFilesPlace | null = null;

  /**
   * Wraps a sandbox.
   *
   * @param sandbox The sandbox that runs the command.
   */
  constructor(sandbox: Sandbox) {
    this.#sandbox = sandbox;
  }

  /**
   * No network namespace here: the proxy listens on a loopback TCP port.
   *
   * @returns Null.
   */
  proxyEndpoint(): null {
    return null;
  }

  /**
   * Checks the policy and keeps it for `run()`.
   *
   * @param policy The policy.
   * @param options The command and the proxy port.
   */
  start(policy: Policy, options: LaunchOptions): void {
    this.#sandbox.check(policy, options);
    const files = options.sessionFiles;
    const withFiles = files
      ? {
        ...policy,
        paths: [...policy.paths, {
          path: files.dir,
          access: ["read" as const],
          origin: "session files",
        }],
      }
      : policy;
    this.#started = { policy: withFiles, options };
  }

  /**
   * An owner-only temporary directory, granted read-only to the command by `start()`.
   *
   * @returns Its path (the same outside and inside).
   */
  sessionFiles(): SessionFilesPlace {
    return this.#files ??= ownerOnlyTempDir();
  }

  /**
   * Runs the command with the proxy's variables added.
   *
   * @param env The proxy's variables.
   * @returns The exit status.
   */
  async run(env: Record<string, string> = {}): Promise<number> {
    if (this.#started === null) throw new Error("Cannot run a launch that was not started");
    const { policy, options } = this.#started;
    const withEnv = { ...policy, env: { ...policy.env, vars: { ...policy.env.vars, ...env } } };
    return await this.#sandbox.run(withEnv, options);
  }

  /**
   * Removes the session files' directory, if one was made.
   *
   * @returns Null.
   */
  dispose(): Promise<string | null> {
    if (this.#files) Deno.removeSync(this.#files.dir, { recursive: true });
    this.#files = null;
    return Promise.resolve(null);
  }
}
