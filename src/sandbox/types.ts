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
  /**
   * Run the command in place of this process, as `exec` does, when nothing has to run
   * beside it (no proxy): this process confines itself and `execve`s the command, which
   * keeps its pid, parent, process group and terminal, so signals and the exit status
   * need no relaying. `run()` then never settles. Ignored where the platform has no
   * in-place launch (macOS: always a supervised helper). Default: false (a helper process
   * confines and execs the command; this process stays outside and waits).
   */
  replace?: boolean;
  /**
   * Absolute paths bound read-only onto themselves for this launch, even inside a write
   * grant (the trust step's verified instruction files). Enforced by the mount-namespace
   * layer where the platform has one.
   */
  readOnlyPaths?: string[];
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
   * helper process that execs the command; this process stays outside — unless
   * `options.replace` asks for the command to take this process's place.
   */
  run(policy: Policy, options: LaunchOptions): Promise<number>;
}
