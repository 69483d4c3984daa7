/**
 * The body of `airlock run` and `airlock shell`, shared by the commander command and the
 * fast path: start the sandbox, resolve the policy, print it for `--dry-run`, record a
 * best-effort run, serve the session proxy when the policy needs it, and run the command
 * confined while airlock supervises it from outside. Imports nothing from commander, so
 * the fast path stays light.
 *
 * @module
 */

import type { Policy } from "../policy/types.ts";
import { type PolicyFlagValues, policyRequestFromFlags } from "./policy_flags.ts";
import { lazyImport } from "../lazy_import.ts";
import { resolvePolicy } from "../policy/mod.ts";
import { getSandbox } from "../sandbox/mod.ts";
import { trustGate } from "../trust/run_gate.ts";

/** Options of `run` and `shell` beyond the policy flags. */
export interface RunFlagValues extends PolicyFlagValues {
  /** `--dry-run`: print the effective policy and exit. */
  dryRun?: boolean;
  /** `--json`: with `--dry-run`, print JSON. */
  json?: boolean;
  /** `--keep-tmp`: keep the sandbox's private /tmp when the session ends. */
  keepTmp?: boolean;
  /** `--trust-override`: skip the verification of instruction files (recorded). */
  trustOverride?: boolean;
  /** `--rollback` (true) or `--no-rollback` (false); undefined: the profile decides. */
  rollback?: boolean;
  /** `--accept-guarded`: keep the command's changes to guarded paths. */
  acceptGuarded?: boolean;
}

/**
 * Resolves the policy and runs `argv` under it.
 *
 * The sandbox starts before the policy is resolved (`Sandbox.prepare`), so its own
 * start-up overlaps airlock's; when credentials or domains need the session proxy,
 * airlock serves it for exactly as long as the command runs.
 *
 * @param argv The command and its arguments.
 * @param values The parsed flags.
 * @returns The exit status to pass through.
 * @throws {AirlockError} When the policy cannot be resolved or enforced, or the proxy
 *   cannot start (exit 2 or 125), or the command is missing or not executable (127, 126).
 */
export async function runConfined(argv: string[], values: RunFlagValues): Promise<number> {
  const sandbox = getSandbox();
  if (values.dryRun) {
    // A dry run changes nothing on disk: profile "create" entries are not made.
    const policy = withRollbackFlag(
      await resolvePolicy({
        ...policyRequestFromFlags(values),
        createDirs: false,
        explainEnv: true,
      }),
      values.rollback,
    );
    const report = sandbox.check(policy, { argv });
    const { printDryRun } = await lazyImport<typeof import("./dry_run.ts")>(
      "./dry_run.ts",
      import.meta.url,
    );
    printDryRun(policy, report, argv, values.json ?? false);
    return 0;
  }
  const launch = sandbox.prepare({
    network: values.net !== "open",
    bestEffort: values.bestEffort ?? false,
  });
  let proxy: import("../proxy/session.ts").SessionProxy | undefined;
  let trust: Awaited<ReturnType<typeof trustGate>> = null;
  let guard: import("../protect/run.ts").SessionProtect | null = null;
  try {
    const policy = withRollbackFlag(
      await resolvePolicy(policyRequestFromFlags(values)),
      values.rollback,
    );
    const report = sandbox.check(policy, { argv });
    if (report.dropped.length > 0) {
      const { recordBestEffort } = await lazyImport<typeof import("../audit/best_effort.ts")>(
        "../audit/best_effort.ts",
        import.meta.url,
      );
      console.error(`airlock: --best-effort: running without ${report.dropped.join(", ")}:`);
      for (const line of report.lost ?? []) console.error(`airlock:   ${line}`);
      await recordBestEffort(policy, report, argv);
    }
    // Instruction files: verified before the launch, read-only during it, re-verified after.
    trust = await trustGate({
      root: policy.workdir ?? policy.cwd,
      argv,
      override: values.trustOverride,
    });
    // The agent's own configuration that runs code later: read-only during the session,
    // put back after it.
    if (policy.protect?.length) {
      guard = (await lazyImport<typeof import("../protect/run.ts")>(
        "../protect/run.ts",
        import.meta.url,
      )).prepareProtect(policy.protect, launch.sessionId);
    }
    const readOnlyPaths = [...(trust?.readOnlyPaths ?? []), ...(guard?.readOnlyPaths ?? [])];
    if (needsProxy(policy)) {
      const session = launch.sessionId ? { sessionId: launch.sessionId } : {};
      const endpoint = launch.proxyEndpoint(policy);
      // The session CA of TLS interception: written by the proxy, read-only to the command.
      const caFiles = Object.keys(policy.credentials).length > 0
        ? launch.sessionFiles()
        : undefined;
      const files = caFiles ? { sessionFiles: caFiles } : {};
      // The bridge's port is known before the proxy runs: the sandbox builds itself (and
      // starts the bridge) while the proxy's modules load.
      if (endpoint !== null) {
        launch.start(policy, { argv, readOnlyPaths, proxyPort: endpoint.port, ...files });
      }
      const { startSessionProxy } = await lazyImport<typeof import("../proxy/session.ts")>(
        "../proxy/session.ts",
        import.meta.url,
      );
      if (endpoint !== null) {
        proxy = await startSessionProxy(policy, {
          ...session,
          listenPath: endpoint.socket,
          advertisedPort: endpoint.port,
          ...(caFiles ? { caFiles } : {}),
        });
      } else {
        proxy = await startSessionProxy(policy, { ...session, ...(caFiles ? { caFiles } : {}) });
        launch.start(policy, { argv, readOnlyPaths, proxyPort: proxy.port, ...files });
      }
      // The session's audit keeps which variables were removed and why (names only).
      const { writeEnvRecord } = await lazyImport<typeof import("../audit/env_record.ts")>(
        "../audit/env_record.ts",
        import.meta.url,
      );
      writeEnvRecord(proxy.auditPath.slice(0, proxy.auditPath.lastIndexOf("/")), policy.env);
    } else {
      launch.start(policy, { argv, readOnlyPaths });
    }
    // Under `deny` the signatures were checked while the helper built the mounts: the
    // command starts only once every file has verified.
    await trust?.settle();
    // Rollback: a snapshot of the workdir now, before the command runs (it starts only when
    // `run()` hands over the last message); the summary and the guard once the command and
    // everything it started have ended.
    const rollback = policy.rollback?.enabled
      ? await (await lazyImport<typeof import("../rollback/run.ts")>(
        "../rollback/run.ts",
        import.meta.url,
      )).prepareRollback(policy, values, {
        sessionId: launch.sessionId,
        stateHidden: launch.hidesState,
      })
      : null;
    const exited = await launch.run(proxy?.env ?? {});
    const status = rollback ? await rollback.afterExit(exited) : exited;
    return trust ? await trust.afterExit(status) : status;
  } finally {
    await proxy?.close();
    const kept = await launch.dispose(values.keepTmp ?? false);
    if (kept !== null) console.error(`airlock: kept the sandbox's /tmp in ${kept}`);
    // After dispose: nothing the session started is left to write again.
    guard?.afterExit(values.acceptGuarded ?? false);
  }
}

/**
 * Applies `--rollback`/`--no-rollback` to the policy's rollback setting.
 *
 * @param policy The resolved policy.
 * @param flag The flag, or undefined when neither was given.
 * @returns The policy (a copy when the flag changed it).
 */
function withRollbackFlag(policy: Policy, flag: boolean | undefined): Policy {
  if (flag === undefined || !policy.rollback) return policy;
  return { ...policy, rollback: { ...policy.rollback, enabled: flag } };
}

/**
 * Whether a run needs the credential proxy: network mode `proxy` with credentials to
 * serve or domains to reach. Without either, `proxy` mode allows no egress at all and
 * nothing is served.
 *
 * @param policy The resolved policy.
 * @returns True when the proxy must be started.
 */
function needsProxy(policy: Policy): boolean {
  return policy.network.mode === "proxy" &&
    (Object.keys(policy.credentials).length > 0 || policy.network.allowDomains.length > 0);
}
