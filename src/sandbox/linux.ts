/**
 * The Linux {@linkcode Sandbox}: namespaces (user, mount, PID, IPC and — unless the
 * network is `open` — network) created by util-linux beneath Landlock (filesystem, TCP
 * ports, IPC scopes) and a seccomp filter (sockets, user namespaces, io_uring, keyring,
 * terminal injection), each a layer of its own. The exec helper builds the namespaces'
 * view from the inside, then confines itself and execs the command
 * (`exec_helper.ts`); airlock supervises from outside (`launch_linux.ts`).
 *
 * Fail closed: a layer the policy needs that the kernel lacks is a
 * `SandboxUnavailableError` unless the policy is best effort, which drops it and reports
 * it in {@linkcode EnforcementReport.dropped}.
 *
 * @module
 */

import { PR_GET_SECCOMP } from "../../ffi/libc.ts";
import { CommandNotFoundError, SandboxUnavailableError } from "../errors.ts";
import type { Policy } from "../policy/types.ts";
import { expandPath, pathVars } from "../policy/paths.ts";
import { PROTECTED_PATHS } from "../policy/protected.ts";
import { stateDir } from "../state_dir.ts";
import { connectSocket, listenSocket, PROXY_SOCKET } from "../bridge/spec.ts";
import type {
  EnforcementReport,
  LaunchHints,
  LaunchOptions,
  LayerCheck,
  PreparedLaunch,
  Sandbox,
  SandboxCapabilities,
  SessionFilesPlace,
} from "./types.ts";
import { landlockAbi } from "./landlock.ts";
import { FEATURE_ABI, featuresForAbi, neededFeatures, planLandlock } from "./landlock_rules.ts";
import type { NamespacePlan, Requirement, SandboxPlan } from "./plan.ts";
import { readGrantChecker, resolveCommand } from "./resolve_command.ts";
import { rawSyscall, syscallNumbers } from "./syscalls.ts";
import { type MountPlan, planMounts, SESSION_FILES_VIEW } from "./namespaces/mount_plan.ts";
import { ownerOnlyTempDir } from "./session_files.ts";
import { type Identity, identityOf } from "./namespaces/grant_fds.ts";
import { type NamespaceSupport, namespaceSupport } from "./namespaces/support.ts";
import { LinuxLaunch } from "./launch_linux.ts";
import { assertStateOutsideGrants } from "./state_reach.ts";

/** What a run goes without when best effort drops a feature. */
const LOST: Readonly<Record<string, string>> = {
  "fs": "no filesystem confinement by Landlock",
  "fs.truncate": "truncating files outside the write grants is not refused",
  "net.tcp": "TCP connect and bind are not limited to the granted ports by Landlock",
  "scope.signal": "signals to processes outside the sandbox are not refused",
  "scope.abstract_unix": "abstract UNIX sockets outside the sandbox are reachable",
  "seccomp":
    "UDP, raw and other sockets, io_uring, the keyring, TIOCSTI and new user namespaces are not refused",
  "namespaces":
    "no mount namespace: chmod, chown, utime, xattrs and setuid bits work outside the " +
    "write grants; no private /tmp, /dev/shm or /dev (other terminals are reachable); no PID " +
    "namespace: processes can outlive the session; no network namespace: every address on a " +
    "granted port is reachable; new user namespaces are limited by seccomp alone",
};

/** The port the session proxy is reached on inside the sandbox's network namespace. */
export const INSIDE_PROXY_PORT = 3128;

/** Features reported besides Landlock's. */
const SECCOMP_FEATURE = "seccomp";
/** The namespace layer (user, mount, PID, IPC, network). */
const NAMESPACES_FEATURE = "namespaces";

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

let support: NamespaceSupport | undefined;

/**
 * The namespace layer's availability (probed once per process).
 *
 * @returns What `namespaceSupport()` found.
 */
export function namespaces(): NamespaceSupport {
  support ??= namespaceSupport();
  return support;
}

/**
 * Decides what a policy gets on a kernel: every needed feature present is enforced, every
 * missing one is either an error or (best effort) dropped.
 *
 * @param policy The policy.
 * @param abi The Landlock ABI version.
 * @param seccomp Whether seccomp filters are available.
 * @param ns The namespace layer's availability (default: available).
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
  ns: NamespaceSupport | { available: true } = { available: true },
): EnforcementReport {
  const features: Record<string, boolean> = {
    ...featuresForAbi(abi),
    [SECCOMP_FEATURE]: seccomp,
    [NAMESPACES_FEATURE]: ns.available,
  };
  const needed = [...neededFeatures(policy), SECCOMP_FEATURE, NAMESPACES_FEATURE];
  const missing = needed.filter((name) => !features[name]);
  const describe = (name: string) =>
    name === SECCOMP_FEATURE
      ? "seccomp (CONFIG_SECCOMP_FILTER needed)"
      : name === NAMESPACES_FEATURE
      ? `namespaces (${ns.available ? "" : ns.reason})`
      : `${name} (Landlock ABI ${FEATURE_ABI[name]} needed)`;
  if (missing.length > 0 && !policy.bestEffort) {
    const onlyNamespaces = missing.length === 1 && missing[0] === NAMESPACES_FEATURE;
    throw new SandboxUnavailableError(
      onlyNamespaces
        ? `Cannot enforce the policy: the namespace layer is missing: ${
          ns.available ? "" : ns.reason
        }`
        : `Cannot enforce the policy: the kernel lacks ${
          missing.map(describe).join(", ")
        }: current ABI is ${abi}`,
      {
        hint: onlyNamespaces && !ns.available
          ? `${ns.hint}, or pass --best-effort to run without it (recorded)`
          : "use a newer kernel, or pass --best-effort to run without it (recorded)",
      },
    );
  }
  const used = new Set(needed);
  used.add("fs.refer").add("fs.ioctl_dev");
  const enforced = Object.keys(features).filter((name) => features[name] && used.has(name));
  return { enforced, dropped: missing, lost: missing.map((name) => LOST[name] ?? name) };
}

/** Namespaces + Landlock + seccomp. */
export class LinuxSandbox implements Sandbox {
  /**
   * Probes the kernel; never throws.
   *
   * @returns What Landlock, seccomp and the namespace layer offer here.
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
      features: { ...featuresForAbi(abi), [NAMESPACES_FEATURE]: namespaces().available },
    };
  }

  /**
   * Tries every layer: Landlock's ABI and features, seccomp, each namespace kind on its
   * own, and a confined `/bin/true` through the whole launch.
   *
   * @returns One check per layer.
   */
  async diagnose(): Promise<LayerCheck[]> {
    const caps = this.capabilities();
    const features = Object.entries(featuresForAbi(caps.abi))
      .map(([name, has]) => `${name}${has ? "" : " (missing)"}`).join(", ");
    const { probeNamespaces, userNamespaceSysctls } = await import("./namespaces/probe.ts");
    const ns = namespaces();
    const checks: LayerCheck[] = [
      {
        name: "landlock",
        ok: caps.available,
        detail: caps.available
          ? `ABI ${caps.abi} on ${caps.kernel}: ${features}`
          : `not available on ${caps.kernel}`,
      },
      {
        name: "seccomp",
        ok: caps.seccomp,
        detail: caps.seccomp
          ? "filters can be installed (UDP, raw sockets, io_uring, user namespaces, AF_UNIX blocked)"
          : "unavailable: UDP and UNIX sockets cannot be blocked",
      },
      ...await probeNamespaces(),
      {
        name: "namespace layer",
        ok: ns.available,
        detail: ns.available
          ? `util-linux ${ns.programs.unshare}; ${userNamespaceSysctls()}`
          : `${ns.reason} — ${ns.hint}`,
      },
    ];
    checks.push(await this.#tryLaunch());
    return checks;
  }

  /** A confined `/bin/true` with a minimal policy, through the whole launch. */
  async #tryLaunch(): Promise<LayerCheck> {
    const read = ["/usr", "/bin", "/lib", "/lib64", "/etc"].map((path) => ({
      path,
      access: ["read" as const],
      origin: "doctor",
    }));
    const policy: Policy = {
      profile: "doctor",
      profileChain: ["doctor"],
      cwd: "/",
      workdir: null,
      paths: read,
      network: {
        mode: "none",
        connectPorts: [],
        bindPorts: [],
        allowDomains: [],
        allowRanges: [],
        allowUnixSockets: false,
        resolve: [],
        upstreamCaFiles: [],
      },
      env: { vars: { PATH: "/usr/bin:/bin" }, removed: [], set: [] },
      credentials: {},
      routes: {},
      bestEffort: false,
      bypassProtection: [],
    };
    try {
      const code = await this.run(policy, { argv: ["/bin/true"] });
      return {
        name: "launch",
        ok: code === 0,
        detail: code === 0 ? "a confined /bin/true ran with every layer" : `exit status ${code}`,
      };
    } catch (err) {
      return {
        name: "launch",
        ok: false,
        detail: err instanceof Error ? err.message : String(err),
      };
    }
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
    return decideEnforcement(policy, landlockAbi(), seccompAvailable(), namespaces());
  }

  /**
   * Starts what can start before the policy is known: the session directory and the
   * helper inside its namespaces.
   *
   * @param hints The network mode and `--best-effort` as the flags give them.
   * @returns The launch.
   */
  prepare(hints: LaunchHints): PreparedLaunch {
    return new PreparedLinuxLaunch(this, hints);
  }

  /**
   * Runs the command confined and resolves to its exit status (prepare, start, run).
   *
   * @param policy The policy.
   * @param options The command and the proxy port.
   * @returns The command's exit code, or 128+N when signal N killed it; 125–127 when the
   *   helper could not confine or exec it.
   * @throws {SandboxUnavailableError} When a needed feature is missing (not best effort).
   * @throws {CommandNotFoundError} When the command is not found (exit 127).
   * @throws {CommandNotExecutableError} When it cannot be executed (exit 126).
   */
  async run(policy: Policy, options: LaunchOptions): Promise<number> {
    const launch = this.prepare({
      network: policy.network.mode !== "open",
      bestEffort: policy.bestEffort,
    });
    try {
      launch.start(policy, options);
      return await launch.run();
    } finally {
      await launch.dispose(options.keepTmp);
    }
  }

  /**
   * Computes the helper's plan.
   *
   * @param policy The policy.
   * @param options The command, the proxy port, the read-only paths.
   * @param session The session directory and whether the launch has namespaces.
   * @returns The plan.
   * @throws {SandboxUnavailableError} When a needed feature is missing (not best effort).
   * @throws {CommandNotFoundError} When the command is not found.
   * @throws {CommandNotExecutableError} When it cannot be executed.
   */
  plan(
    policy: Policy,
    options: LaunchOptions,
    session?: { dir: string; bridge: string; namespaced: boolean; network: boolean },
  ): SandboxPlan {
    const abi = landlockAbi();
    const seccomp = seccompAvailable();
    decideEnforcement(
      policy,
      abi,
      seccomp,
      session === undefined ? { available: true } : namespaces(),
    );
    const name = options.argv[0];
    if (name === undefined) throw new CommandNotFoundError("Cannot run: no command given");
    const file = resolveCommand(name, {
      path: policy.env.vars.PATH,
      cwd: policy.cwd,
      isGranted: abi > 0 ? readGrantChecker(policy) : undefined,
    });
    const arch = Deno.build.arch === "aarch64" ? "aarch64" : "x86_64";
    const vars = { ...policy.env.vars };
    const ns = session?.namespaced ? namespacePlan(policy, options, session) : null;
    if (ns === null) assertStateOutsideGrants(policy); // nothing else would hide it
    if (ns !== null && vars.TMPDIR !== undefined) vars.TMPDIR = "/tmp"; // the private one
    return {
      file,
      argv: options.argv,
      envp: Object.entries(vars).map(([k, v]) => `${k}=${v}`),
      cwd: policy.cwd,
      parentPid: Deno.pid,
      landlock: abi > 0
        ? planLandlock(policy, {
          abi,
          proxyPort: options.proxyPort,
          privateProc: ns !== null,
          readPaths: options.sessionFiles ? [options.sessionFiles.view] : [],
        })
        : null,
      seccomp: seccomp
        ? {
          arch,
          restrictSockets: policy.network.mode !== "open",
          allowUnixSockets: policy.network.allowUnixSockets,
          denyListen: policy.network.bindPorts.length === 0 && !policy.network.allowUnixSockets,
        }
        : null,
      namespaces: ns,
    };
  }
}

/**
 * The namespace part of a plan: the mounts, and the bridge when the command reaches
 * anything beyond its own loopback (the proxy, `--allow-port`, `--listen-port`).
 */
function namespacePlan(
  policy: Policy,
  options: LaunchOptions,
  session: { dir: string; bridge: string; network: boolean },
): NamespacePlan {
  const env = Deno.env.toObject();
  const vars = pathVars(env, policy.workdir ?? policy.cwd);
  const bypass = policy.bypassProtection;
  const hide = [
    stateDir(env),
    `${vars.XDG_CONFIG_HOME}/airlock`,
    ...PROTECTED_PATHS.flatMap((g) => g.paths.map((p) => expandPath(p, vars)))
      .filter((p) => !bypass.some((b) => p === b || p.startsWith(`${b}/`))),
  ];
  const mounts = planMounts(policy.paths, {
    sessionDir: session.dir,
    hostTmpdir: vars.TMPDIR,
    readOnlyPaths: options.readOnlyPaths ?? [],
    sessionLayers: sessionLayers(policy),
    hide,
    ...(options.sessionFiles ? { sessionFiles: options.sessionFiles.dir } : {}),
  });
  const forward = [
    ...(options.proxyPort === undefined ? [] : [{ port: options.proxyPort, socket: PROXY_SOCKET }]),
    ...policy.network.connectPorts.map((port) => ({ port, socket: connectSocket(port) })),
  ];
  const reverse = policy.network.bindPorts.map((port) => ({ port, socket: listenSocket(port) }));
  const bridge = session.network && forward.length + reverse.length > 0
    ? { dir: session.bridge, forward, reverse }
    : null;
  return { mounts, network: session.network, bridge, identities: identities(policy, mounts, vars) };
}

/**
 * What each host path the helper will open names now (device and inode): the grants,
 * their binds, the caches' lower layers and the read-only files — not the sandbox's own
 * `/tmp`, `/dev` and `/proc`, which the helper makes itself.
 */
function identities(
  policy: Policy,
  mounts: MountPlan,
  vars: { TMPDIR: string },
): Record<string, Identity> {
  const paths = new Set<string>([
    ...policy.paths.map((r) => r.path),
    ...mounts.binds.map((b) => b.path),
    ...mounts.overlays.map((o) => o.path),
    ...mounts.readOnly,
  ]);
  const out: Record<string, Identity> = {};
  for (const path of paths) {
    if (path === "/tmp" || path === vars.TMPDIR) continue;
    if (["/proc", "/dev"].some((d) => path === d || path.startsWith(`${d}/`))) continue;
    try {
      // A resolved policy holds real paths; one written by hand may name a symlink (`/bin`):
      // such a path is opened as it is, later, like before.
      if (Deno.realPathSync(path) !== path) continue;
      out[path] = identityOf(path);
    } catch {
      // nothing there: a grant on nothing grants nothing
    }
  }
  return out;
}

/**
 * The write grants whose writes stay in the session: those every write grant on the path
 * marks `writes: "session"` (a profile, a flag or the workdir granting the same path
 * without it lets writes through).
 *
 * @param policy The policy.
 * @returns The paths.
 */
export function sessionLayers(policy: Policy): string[] {
  const through = new Set<string>();
  const layered = new Set<string>();
  for (const rule of policy.paths) {
    if (!rule.access.includes("write")) continue;
    (rule.writes === "session" ? layered : through).add(rule.path);
  }
  return [...layered].filter((path) => !through.has(path));
}

/** A Linux launch as the CLI drives it: prepared early, started once the policy is known. */
class PreparedLinuxLaunch implements PreparedLaunch {
  #sandbox: LinuxSandbox;
  #hints: LaunchHints;
  #launch: LinuxLaunch | null = null;
  #files: SessionFilesPlace | null = null;
  #ownFiles: string | null = null;

  constructor(sandbox: LinuxSandbox, hints: LaunchHints) {
    this.#sandbox = sandbox;
    this.#hints = hints;
    const shape = launchShape(hints);
    if (shape !== null) this.#launch = LinuxLaunch.prepare(shape);
  }

  get sessionId(): string | null {
    return this.#launch?.session.id ?? null;
  }

  get hidesState(): boolean {
    return this.#launch?.shape.programs != null;
  }

  proxyEndpoint(policy: Policy): { socket: string; port: number } | null {
    const launch = this.#ensure(policy, { argv: [] });
    if (!launch.shape.network) return null;
    const taken = new Set([...policy.network.connectPorts, ...policy.network.bindPorts]);
    let port = INSIDE_PROXY_PORT;
    while (taken.has(port)) port++;
    return { socket: launch.proxySocket, port };
  }

  sessionFiles(): SessionFilesPlace {
    if (this.#files) return this.#files;
    const launch = this.#launch;
    if (launch !== null && launch.shape.programs !== null) {
      // Namespaced: a directory of the session (hidden with airlock's state), bound
      // read-only beneath the private /tmp.
      const dir = `${launch.session.path}/files`;
      Deno.mkdirSync(dir, { mode: 0o700 });
      this.#files = { dir, view: SESSION_FILES_VIEW };
    } else {
      this.#files = ownerOnlyTempDir();
      this.#ownFiles = this.#files.dir;
    }
    return this.#files;
  }

  start(policy: Policy, options: LaunchOptions): void {
    const launch = this.#ensure(policy, options);
    const plan = this.#sandbox.plan(policy, options, {
      dir: launch.session.path,
      bridge: launch.session.bridge,
      namespaced: launch.shape.programs !== null,
      network: launch.shape.network,
    });
    launch.start(plan, policy, launch.shape.network ? undefined : options.proxyPort);
  }

  /** Checks the policy and makes sure the launch has the shape it needs (else starts again). */
  #ensure(policy: Policy, options: LaunchOptions): LinuxLaunch {
    const hints = { network: policy.network.mode !== "open", bestEffort: policy.bestEffort };
    this.#sandbox.check(policy, options);
    const wanted = launchShape(hints);
    const current = this.#launch;
    if (current === null || !sameShape(current.shape, wanted)) {
      // The flags guessed wrong (a profile with `open` networking, say): start again.
      void current?.dispose();
      this.#launch = LinuxLaunch.prepare(wanted!);
    }
    return this.#launch!;
  }

  async run(env: Record<string, string> = {}): Promise<number> {
    if (this.#launch === null) throw new Error("Cannot run a launch that was not started");
    return await this.#launch.run({ env });
  }

  async dispose(keepTmp?: boolean): Promise<string | null> {
    const kept = await this.#launch?.dispose(keepTmp) ?? null;
    if (this.#ownFiles) Deno.removeSync(this.#ownFiles, { recursive: true });
    this.#ownFiles = null;
    return kept;
  }
}

/**
 * The shape of a launch: the namespace chain when the layer is available (else nothing,
 * which only best effort accepts), a network namespace unless the network is open, and
 * the protections the helper must insist on.
 *
 * @returns The shape, or null when nothing can be prepared (the check will explain).
 */
function launchShape(hints: LaunchHints): LaunchShape | null {
  const ns = namespaces();
  if (!ns.available && !hints.bestEffort) return null;
  const require: Requirement[] = hints.bestEffort ? [] : ["landlock", "seccomp"];
  if (ns.available) {
    require.push("namespaces");
    if (hints.network) require.push("network");
  }
  return {
    programs: ns.available ? ns.programs : null,
    network: hints.network && ns.available,
    require,
  };
}

type LaunchShape = Parameters<typeof LinuxLaunch.prepare>[0];

function sameShape(a: LaunchShape, b: LaunchShape | null): boolean {
  return b !== null && a.network === b.network && (a.programs === null) === (b.programs === null) &&
    a.require.join() === b.require.join();
}
