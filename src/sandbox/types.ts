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
  /**
   * TCP port of airlock's proxy as the command reaches it, added to the connect grants in
   * `proxy` mode (on Linux, the bridge's port inside the sandbox's network namespace).
   */
  proxyPort?: number;
  /**
   * Absolute paths bound read-only onto themselves in the sandbox's mount namespace for
   * this launch, even inside a write grant (verified instruction files). Linux only.
   */
  readOnlyPaths?: string[];
  /** Keep the private `/tmp` when the session ends (`--keep-tmp`). Linux only. */
  keepTmp?: boolean;
  /**
   * The session's own files the command may read, read-only (the session CA): the place
   * {@linkcode PreparedLaunch.sessionFiles} gave.
   */
  sessionFiles?: SessionFilesPlace;
}

/** A directory airlock writes and the command reads: its path outside and inside. */
export interface SessionFilesPlace {
  /** The directory (owner-only) airlock writes into. */
  dir: string;
  /** Its path as the command sees it. */
  view: string;
}

/** What the command line says before the policy is resolved (a launch starts early). */
export interface LaunchHints {
  /** Whether the network will be restricted (every mode but `open`). */
  network: boolean;
  /** `--best-effort`. */
  bestEffort: boolean;
}

/**
 * A launch started before its policy is known, so the sandbox's own start-up overlaps
 * airlock's: `start()` once the policy is resolved, `run()` once the proxy runs,
 * `dispose()` always.
 */
export interface PreparedLaunch {
  /** The session's id (shared with the audit log), or null when none was created. */
  readonly sessionId: string | null;
  /**
   * Whether the sandbox hides airlock's state directory whatever the grants say (the
   * Linux mount namespace); otherwise a grant reaching it is refused at launch.
   */
  readonly hidesState: boolean;
  /**
   * Where the session proxy should listen so the command reaches it through the sandbox's
   * network bridge — a UNIX socket, and the port inside — or null when the sandbox has no
   * network namespace (the proxy then listens on a loopback TCP port, passed to `start()`).
   */
  proxyEndpoint(policy: Policy): { socket: string; port: number } | null;
  /**
   * A directory for the session's own files that the command may read but not change (the
   * session CA of TLS interception), made on first call, removed by `dispose()`. Pass it
   * to `start()` as `sessionFiles`.
   */
  sessionFiles(): SessionFilesPlace;
  /**
   * Hands the sandbox its plan.
   *
   * @throws {SandboxUnavailableError} When a needed feature is missing (not best effort).
   * @throws {CommandNotFoundError} When the command is not found (exit 127).
   */
  start(policy: Policy, options: LaunchOptions): void;
  /** Adds the proxy's variables, runs the command and resolves to its exit status. */
  run(env?: Record<string, string>): Promise<number>;
  /** Ends a launch that did not run, and removes what the session left; returns a kept `/tmp`. */
  dispose(keepTmp?: boolean): Promise<string | null>;
}

/** What would be (or was) enforced, and what `--best-effort` dropped. */
export interface EnforcementReport {
  /** Features that will be enforced. */
  enforced: string[];
  /** Features the policy needs but the kernel lacks, dropped under `--best-effort`. */
  dropped: string[];
  /** For each dropped feature, the protections the run goes without (one line each). */
  lost?: string[];
}

/** One protection layer as `airlock doctor` reports it. */
export interface LayerCheck {
  /** The layer (`landlock`, `seccomp`, `mount namespace`, `launch`, `seatbelt`). */
  name: string;
  /** Whether it works here. */
  ok: boolean;
  /** What was found, one line. */
  detail: string;
}

/** A kernel-enforced sandbox. */
export interface Sandbox {
  /**
   * Tries every layer for real (`airlock doctor`): what the kernel offers, each
   * namespace kind, and a confined `/bin/true`.
   */
  diagnose(): Promise<LayerCheck[]>;
  /** Probes the kernel; never throws. */
  capabilities(): SandboxCapabilities;
  /**
   * Checks that the policy can be enforced here.
   * Throws `SandboxUnavailableError` when a needed feature is missing and the policy is
   * not best effort; otherwise reports what will be enforced and dropped.
   */
  check(policy: Policy, options: LaunchOptions): EnforcementReport;
  /** Starts a launch before its policy is known (see {@linkcode PreparedLaunch}). */
  prepare(hints: LaunchHints): PreparedLaunch;
  /**
   * Runs the command confined by the policy and resolves to its exit status
   * (its own code, or 128+N when killed by signal N). The sandbox is applied in a
   * helper process that execs the command; this process stays outside.
   */
  run(policy: Policy, options: LaunchOptions): Promise<number>;
}
