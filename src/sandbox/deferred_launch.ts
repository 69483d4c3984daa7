/**
 * A {@linkcode PreparedLaunch} for platforms whose sandbox has nothing to start early
 * (macOS, unsupported systems): `start()` checks the policy and keeps it, `run()` adds the
 * proxy's variables and runs the command through the sandbox's `run()`.
 *
 * @module
 */

import type { Policy } from "../policy/types.ts";
import type { LaunchOptions, PreparedLaunch, Sandbox } from "./types.ts";

/** A launch that starts only when it runs. */
export class DeferredLaunch implements PreparedLaunch {
  /** No session directory is made. */
  readonly sessionId = null;
  #sandbox: Sandbox;
  #started: { policy: Policy; options: LaunchOptions } | null = null;

  /**
   * Wraps a sandbox.
   *
   * @param sandbox The sandbox that runs the command.
   */
  constructor(sandbox: Sandbox) {
    this.#sandbox = sandbox;
  }

  /**
   * Checks the policy and keeps it for `run()`.
   *
   * @param policy The policy.
   * @param options The command and the proxy port.
   */
  start(policy: Policy, options: LaunchOptions): void {
    this.#sandbox.check(policy, options);
    this.#started = { policy, options };
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
   * Nothing to clean up.
   *
   * @returns Null.
   */
  dispose(): Promise<string | null> {
    return Promise.resolve(null);
  }
}
