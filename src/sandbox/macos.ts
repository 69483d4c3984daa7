/**
 * The macOS {@linkcode Sandbox}: Seatbelt through `sandbox_init` with an SBPL profile
 * generated from the policy (`sbpl.ts`), applied by the exec helper to itself before it
 * execs the command. Seatbelt has no feature levels: it either works or does not.
 *
 * Not runnable on Linux; the profile generation is unit-tested there.
 *
 * @module
 */

import { LIBSYSTEM_PATH } from "../../ffi/libsystem.ts";
import { CommandNotFoundError, SandboxUnavailableError } from "../errors.ts";
import type { Policy } from "../policy/types.ts";
import { lazyImport } from "../lazy_import.ts";
import type { SandboxPlan } from "./plan.ts";
import { readGrantChecker, resolveCommand } from "./resolve_command.ts";
import { buildSeatbeltProfile } from "./sbpl.ts";
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

/** What Seatbelt enforces, as reported features. */
const SEATBELT_FEATURES = ["fs", "net.tcp", "net.unix", "scope.signal"];

/** Seatbelt through `sandbox_init`. */
export class MacosSandbox implements Sandbox {
  /**
   * Probes for `sandbox_init`; never throws.
   *
   * @returns What Seatbelt offers here.
   */
  capabilities(): SandboxCapabilities {
    const available = seatbeltAvailable();
    return {
      mechanism: "seatbelt",
      available,
      abi: 0,
      seccomp: false,
      kernel: `macOS ${Deno.osRelease()}`,
      features: Object.fromEntries(SEATBELT_FEATURES.map((f) => [f, available])),
    };
  }

  /**
   * Reports Seatbelt.
   *
   * @returns One check.
   */
  diagnose(): Promise<LayerCheck[]> {
    const caps = this.capabilities();
    return Promise.resolve([{
      name: "seatbelt",
      ok: caps.available,
      detail: caps.available ? `sandbox_init on ${caps.kernel}` : `not available on ${caps.kernel}`,
    }]);
  }

  /**
   * Checks that Seatbelt is there.
   *
   * @param policy The policy.
   * @param _options The launch options.
   * @returns Everything enforced, nothing dropped; or, best effort without Seatbelt, all dropped.
   * @throws {SandboxUnavailableError} When `sandbox_init` cannot be loaded (not best effort).
   */
  check(policy: Policy, _options: LaunchOptions): EnforcementReport {
    if (seatbeltAvailable()) return { enforced: [...SEATBELT_FEATURES], dropped: [] };
    if (policy.bestEffort) return { enforced: [], dropped: [...SEATBELT_FEATURES] };
    throw new SandboxUnavailableError(
      `Cannot enforce the policy: sandbox_init is unavailable: ${LIBSYSTEM_PATH} did not load`,
      { hint: "pass --best-effort to run unconfined (recorded)" },
    );
  }

  /**
   * Runs the command confined and resolves to its exit status.
   *
   * @param policy The policy.
   * @param options The command and proxy port.
   * @returns The command's exit code, or 128+N when signal N killed it.
   * @throws {SandboxUnavailableError} When Seatbelt is missing (not best effort).
   * @throws {CommandNotFoundError} When the command is not found.
   * @throws {CommandNotExecutableError} When it cannot be executed.
   */
  async run(policy: Policy, options: LaunchOptions): Promise<number> {
    const { launchHelper } = await lazyImport<typeof import("./launcher.ts")>(
      "../sandbox/launcher.ts", // resolves the same from the fast-path bundle (src/cli/)
      import.meta.url,
    );
    return await launchHelper(this.plan(policy, options));
  }

  /**
   * Seatbelt has nothing to start early: the helper starts when the launch runs.
   *
   * @param _hints Unused.
   * @returns A deferred launch.
   */
  prepare(_hints: LaunchHints): PreparedLaunch {
    return new DeferredLaunch(this);
  }

  /**
   * The helper's plan, carrying the SBPL profile.
   *
   * @param policy The policy.
   * @param options The command and proxy port.
   * @returns The plan.
   * @throws {SandboxUnavailableError} When Seatbelt is missing (not best effort).
   * @throws {CommandNotFoundError} When the command is not found.
   */
  plan(policy: Policy, options: LaunchOptions): SandboxPlan {
    const report = this.check(policy, options);
    const name = options.argv[0];
    if (name === undefined) throw new CommandNotFoundError("Cannot run: no command given");
    const plan: SandboxPlan = {
      file: resolveCommand(name, {
        path: policy.env.vars.PATH,
        cwd: policy.cwd,
        isGranted: report.dropped.length === 0 ? readGrantChecker(policy) : undefined,
      }),
      argv: options.argv,
      envp: Object.entries(policy.env.vars).map(([k, v]) => `${k}=${v}`),
      cwd: policy.cwd,
      parentPid: Deno.pid,
      landlock: null,
      seccomp: null,
    };
    // An empty profile (best effort without Seatbelt) makes the helper exec unconfined.
    plan.seatbelt = report.dropped.length === 0
      ? buildSeatbeltProfile(policy, { proxyPort: options.proxyPort, terminal: ownTerminal() })
      : "";
    return plan;
  }
}

/** The terminal on standard input (`ttyname(0)`), or undefined. */
function ownTerminal(): string | undefined {
  try {
    const lib = Deno.dlopen(LIBSYSTEM_PATH, {
      ttyname: { parameters: ["i32"], result: "pointer" },
    });
    try {
      // SAFETY: ttyname returns NULL or a NUL-terminated static buffer, read at once.
      const ptr = lib.symbols.ttyname(0);
      return ptr === null ? undefined : new Deno.UnsafePointerView(ptr).getCString();
    } finally {
      lib.close();
    }
  } catch {
    return undefined;
  }
}

let available: boolean | undefined;

function seatbeltAvailable(): boolean {
  if (available !== undefined) return available;
  try {
    Deno.dlopen(LIBSYSTEM_PATH, {
      sandbox_init: { parameters: ["buffer", "u64", "buffer"], result: "i32" },
    }).close();
    available = true;
  } catch {
    available = false;
  }
  return available;
}
