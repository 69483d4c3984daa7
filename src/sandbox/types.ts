/**
 * The `Sandbox` contract: one interface, a Linux (Landlock + seccomp) and a macOS
 * (Seatbelt) implementation behind it, chosen once in `mod.ts`.
 *
 * @module
 */

import type { Policy } from "../policy/types.ts";

/** What the running kernel offers. */
export interface SandboxCapabilities {
  /** `landlock` on Linux, `seatbelt` on macOS. */
  mechanism: "landlock" | "seatbelt";
  /** Whether the mechanism can confine anything here. */
  available: boolean;
  /** Landlock ABI version (0 when unavailable); 0 on macOS. */
  abi: number;
  /** Whether a seccomp filter can be installed (Linux). */
  seccomp: boolean;
  /** Kernel or OS description (`Linux 6.18.44`). */
  kernel: string;
  /** Named features and whether the kernel has them (`fs.refer`, `fs.truncate`, `net.tcp`, `fs.ioctl_dev`, `scope.signal`, `scope.abstract_unix`). */
  features: Record<string, boolean>;
}

/** How the launch is configured beyond the policy. */
export interface LaunchOptions {
  /** The command and its arguments; `argv[0]` is resolved through `PATH`. */
  argv: string[];
  /** TCP port of airlock's proxy, added to the connect grants in `proxy` mode. */
  proxyPort?: number;
}

/** What would be (or was) enforced, and what `--best-effort` dropped. */
export interface EnforcementReport {
  /** Features that will be enforced. */
  enforced: string[];
  /** Features the policy needs but the kernel lacks, dropped under `--best-effort`. */
  dropped: string[];
}

/** A kernel-enforced sandbox. */
export interface Sandbox {
  /** Probes the kernel; never throws. */
  capabilities(): SandboxCapabilities;
  /**
   * Checks that the policy can be enforced here.
   * Throws `SandboxUnavailableError` when a needed feature is missing and the policy is
   * not best effort; otherwise reports what will be enforced and dropped.
   */
  check(policy: Policy, options: LaunchOptions): EnforcementReport;
  /**
   * Runs the command confined by the policy and resolves to its exit status
   * (its own code, or 128+N when killed by signal N). The sandbox is applied in a
   * helper process that execs the command; this process stays outside.
   */
  run(policy: Policy, options: LaunchOptions): Promise<number>;
}
