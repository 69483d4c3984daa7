/**
 * The macOS {@linkcode Sandbox} (Seatbelt). Placeholder until the SBPL generator lands.
 *
 * @module
 */

import { SandboxUnavailableError } from "../errors.ts";
import type { Policy } from "../policy/types.ts";
import type { EnforcementReport, LaunchOptions, Sandbox, SandboxCapabilities } from "./types.ts";

/** Seatbelt through `sandbox_init`. */
export class MacosSandbox implements Sandbox {
  /** @returns What Seatbelt offers. */
  capabilities(): SandboxCapabilities {
    return {
      mechanism: "seatbelt",
      available: false,
      abi: 0,
      seccomp: false,
      kernel: "macOS",
      features: {},
    };
  }
  /**
   * @param _policy The policy.
   * @param _options The launch options.
   * @returns Never.
   * @throws {SandboxUnavailableError} Always, for now.
   */
  check(_policy: Policy, _options: LaunchOptions): EnforcementReport {
    throw new SandboxUnavailableError("Cannot sandbox on macOS yet: Seatbelt support is not built");
  }
  /**
   * @param policy The policy.
   * @param options The launch options.
   * @returns Never.
   */
  run(policy: Policy, options: LaunchOptions): Promise<number> {
    return Promise.reject(this.check(policy, options));
  }
}
