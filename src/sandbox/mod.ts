/**
 * Chooses the {@linkcode Sandbox} for this operating system: Landlock + seccomp on Linux,
 * Seatbelt on macOS. This is the only module that reads `Deno.build.os`.
 *
 * @module
 */

import { SandboxUnavailableError } from "../errors.ts";
import type { Policy } from "../policy/types.ts";
import { LinuxSandbox } from "./linux.ts";
import { MacosSandbox } from "./macos.ts";
import type {
  EnforcementReport,
  LaunchHints,
  LaunchOptions,
  LayerCheck,
  PreparedLaunch,
  Sandbox,
  SandboxCapabilities,
} from "./types.ts";
import { DeferredLaunch } from "./deferred_launch.ts";

export type {
  EnforcementReport,
  LaunchHints,
  LaunchOptions,
  LayerCheck,
  PreparedLaunch,
  Sandbox,
  SandboxCapabilities,
} from "./types.ts";

/**
 * The sandbox for the running operating system.
 *
 * @returns A Linux or macOS sandbox; elsewhere one that reports itself unavailable.
 * @example
 * ```ts
 * import { getSandbox } from "./mod.ts";
 * const caps = getSandbox().capabilities();
 * console.assert(typeof caps.available === "boolean");
 * ```
 */
export function getSandbox(): Sandbox {
  switch (Deno.build.os) {
    case "linux":
      return new LinuxSandbox();
    case "darwin":
      return new MacosSandbox();
    default:
      return new UnsupportedSandbox(Deno.build.os);
  }
}

/** Any other OS: nothing can be enforced, and nothing runs. */
class UnsupportedSandbox implements Sandbox {
  #os: string;
  constructor(os: string) {
    this.#os = os;
  }
  capabilities(): SandboxCapabilities {
    return {
      mechanism: "landlock",
      available: false,
      abi: 0,
      seccomp: false,
      kernel: this.#os,
      features: {},
    };
  }
  check(_policy: Policy, _options: LaunchOptions): EnforcementReport {
    throw new SandboxUnavailableError(
      `Cannot sandbox on this operating system: current value is ${this.#os}`,
      { hint: "airlock supports Linux (Landlock) and macOS (Seatbelt)" },
    );
  }
  prepare(_hints: LaunchHints): PreparedLaunch {
    return new DeferredLaunch(this);
  }
  diagnose(): Promise<LayerCheck[]> {
    return Promise.resolve([{ name: "sandbox", ok: false, detail: `unsupported: ${this.#os}` }]);
  }
  run(policy: Policy, options: LaunchOptions): Promise<number> {
    return Promise.reject(this.check(policy, options));
  }
}
