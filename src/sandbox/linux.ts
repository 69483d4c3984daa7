/**
 * The Linux {@linkcode Sandbox}: Landlock (filesystem, TCP ports, IPC scopes) plus a
 * seccomp filter (sockets, io_uring, keyring, terminal injection), applied right before
 * the command is exec'd by the process that becomes it: the exec helper (supervised
 * launch) or airlock itself (`LaunchOptions.replace`), both through `confine_exec.ts`.
 *
 * Fail closed: a feature the policy needs that the kernel lacks is a
 * `SandboxUnavailableError` unless the policy is best effort, which drops it and reports
 * it in {@linkcode EnforcementReport.dropped}.
 *
 * @module
 */

import { PR_GET_SECCOMP } from "../../ffi/libc.ts";
import { CommandNotFoundError, SandboxUnavailableError } from "../errors.ts";
import type { Policy } from "../policy/types.ts";
import type { EnforcementReport, LaunchOptions, Sandbox, SandboxCapabilities } from "./types.ts";
import { landlockAbi } from "./landlock.ts";
import { FEATURE_ABI, featuresForAbi, neededFeatures, planLandlock } from "./landlock_rules.ts";
import { confineAndExec } from "./confine_exec.ts";
import { lazyImport } from "../lazy_import.ts";
import type { SandboxPlan } from "./plan.ts";
import { readGrantChecker, resolveCommand } from "./resolve_command.ts";
import { rawSyscall, syscallNumbers } from "./syscalls.ts";

/** Features reported besides Landlock's. */
const SECCOMP_FEATURE = "seccomp";

/**
 * Whether this kernel can install seccomp filters.
 *
 * @returns True when `prctl(PR_GET_SECCOMP)` works.
 */
export function seccompAvailable(): boolean {
  try {
    return rawSyscall(syscallNumbers().prctl, PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
  } catch {
    return false;
  }
}

/**
 * Decides what a policy gets on a kernel: every needed feature present is enforced, every
 * missing one is either an error or (best effort) dropped.
 *
 * @param policy The policy.
 * @param abi The Landlock ABI version.
 * @param seccomp Whether seccomp filters are available.
 * @returns What is enforced and dropped.
 * @throws {SandboxUnavailableError} When a needed feature is missing and the policy is not
 *   best effort.
 * @example
 * ```ts ignore
 * decideEnforcement(policy, 3, true); // throws: net.tcp needs ABI 4
 * ```
 */
export function decideEnforcement(
  policy: Policy,
  abi: number,
  seccomp: boolean,
): EnforcementReport {
  const features: Record<string, boolean> = {
    ...featuresForAbi(abi),
    [SECCOMP_FEATURE]: seccomp,
  };
  const needed = [...neededFeatures(policy), SECCOMP_FEATURE];
  const missing = needed.filter((name) => !features[name]);
  if (missing.length > 0 && !policy.bestEffort) {
    const what = missing.map((name) =>
      name === SECCOMP_FEATURE
        ? "seccomp (CONFIG_SECCOMP_FILTER needed)"
        : `${name} (Landlock ABI ${FEATURE_ABI[name]} needed)`
    ).join(", ");
    throw new SandboxUnavailableError(
      `Cannot enforce the policy: the kernel lacks ${what}: current ABI is ${abi}`,
      { hint: "use a newer kernel, or pass --best-effort to run without it (recorded)" },
    );
  }
  const used = new Set(needed);
  used.add("fs.refer").add("fs.ioctl_dev");
  const enforced = Object.keys(features).filter((name) => features[name] && used.has(name));
  return { enforced, dropped: missing };
}

/** Landlock + seccomp. */
export class LinuxSandbox implements Sandbox {
  /**
   * Probes the kernel; never throws.
   *
   * @returns What Landlock and seccomp offer here.
   */
  capabilities(): SandboxCapabilities {
    let abi = 0;
    let seccomp = false;
    try {
      abi = landlockAbi();
      seccomp = seccompAvailable();
    } catch {
      // FFI unavailable: report nothing available
    }
    return {
      mechanism: "landlock",
      available: abi > 0,
      abi,
      seccomp,
      kernel: `Linux ${Deno.osRelease()}`,
      features: featuresForAbi(abi),
    };
  }

  /**
   * Checks that the policy can be enforced here.
   *
   * @param policy The policy.
   * @param _options The launch options (unused: nothing in them needs a kernel feature).
   * @returns What will be enforced and what best effort drops.
   * @throws {SandboxUnavailableError} When a needed feature is missing (not best effort).
   */
  check(policy: Policy, _options: LaunchOptions): EnforcementReport {
    return decideEnforcement(policy, landlockAbi(), seccompAvailable());
  }

  /**
   * Runs the command confined and resolves to its exit status.
   *
   * @param policy The policy.
   * @param options The command and the proxy port.
   * @returns The command's exit code, or 128+N when signal N killed it; 125–127 when the
   *   helper could not confine or exec it. With `options.replace`, never settles: this
   *   process becomes the command (or exits 125–127 with a message when it cannot).
   * @throws {SandboxUnavailableError} When a needed feature is missing (not best effort).
   * @throws {CommandNotFoundError} When the command is not found (exit 127).
   * @throws {CommandNotExecutableError} When it cannot be executed (exit 126).
   */
  async run(policy: Policy, options: LaunchOptions): Promise<number> {
    const plan = this.plan(policy, options);
    if (options.replace) return confineAndExec(plan, { supervised: false });
    const { launchHelper } = await lazyImport<typeof import("./launcher.ts")>(
      "../sandbox/launcher.ts", // resolves the same from the fast-path bundle (src/cli/)
      import.meta.url,
    );
    return await launchHelper(plan, { manageTerminal: true });
  }

  /**
   * Computes the helper's plan (exposed for `--dry-run` style inspection and tests).
   *
   * @param policy The policy.
   * @param options The command and the proxy port.
   * @returns The plan.
   * @throws {SandboxUnavailableError} When a needed feature is missing (not best effort).
   * @throws {CommandNotFoundError} When the command is not found.
   * @throws {CommandNotExecutableError} When it cannot be executed.
   */
  plan(policy: Policy, options: LaunchOptions): SandboxPlan {
    const abi = landlockAbi();
    const seccomp = seccompAvailable();
    decideEnforcement(policy, abi, seccomp);
    const name = options.argv[0];
    if (name === undefined) throw new CommandNotFoundError("Cannot run: no command given");
    const file = resolveCommand(name, {
      path: policy.env.vars.PATH,
      cwd: policy.cwd,
      isGranted: abi > 0 ? readGrantChecker(policy) : undefined,
    });
    const arch = Deno.build.arch === "aarch64" ? "aarch64" : "x86_64";
    return {
      file,
      argv: options.argv,
      envp: Object.entries(policy.env.vars).map(([k, v]) => `${k}=${v}`),
      cwd: policy.cwd,
      parentPid: Deno.pid,
      landlock: abi > 0 ? planLandlock(policy, { abi, proxyPort: options.proxyPort }) : null,
      seccomp: seccomp
        ? {
          arch,
          restrictSockets: policy.network.mode !== "open",
          allowUnixSockets: policy.network.allowUnixSockets,
          denyListen: policy.network.bindPorts.length === 0 && !policy.network.allowUnixSockets,
        }
        : null,
    };
  }
}
