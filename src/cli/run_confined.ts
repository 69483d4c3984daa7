/**
 * The body of `airlock run` and `airlock shell`, shared by the commander command and the
 * fast path: resolve the policy, print it for `--dry-run`, record a best-effort run, and
 * run the command confined. When credentials or domains need the session proxy, airlock
 * serves it and supervises a helper that execs the command; otherwise the command takes
 * airlock's own process (`LaunchOptions.replace`). Imports nothing from commander, so the
 * fast path stays light.
 *
 * @module
 */

import type { Policy } from "../policy/types.ts";
import { type PolicyFlagValues, policyRequestFromFlags } from "./policy_flags.ts";
import { lazyImport } from "../lazy_import.ts";
import { resolvePolicy } from "../policy/mod.ts";
import { getSandbox } from "../sandbox/mod.ts";

/** Options of `run` and `shell` beyond the policy flags. */
export interface RunFlagValues extends PolicyFlagValues {
  /** `--dry-run`: print the effective policy and exit. */
  dryRun?: boolean;
  /** `--json`: with `--dry-run`, print JSON. */
  json?: boolean;
  /** `--rollback` (true) or `--no-rollback` (false); undefined: the profile decides. */
  rollback?: boolean;
  /** `--accept-guarded`: keep the command's changes to guarded paths. */
  acceptGuarded?: boolean;
}

/**
 * Resolves the policy and runs `argv` under it.
 *
 * @param argv The command and its arguments.
 * @param values The parsed flags.
 * @returns The exit status to pass through.
 * @throws {AirlockError} When the policy cannot be resolved or enforced, or the proxy
 *   cannot start (exit 2 or 125), or the command is missing or not executable (127, 126).
 */
export async function runConfined(argv: string[], values: RunFlagValues): Promise<number> {
  // A dry run changes nothing on disk: profile "create" entries are not made.
  const request = { ...policyRequestFromFlags(values), createDirs: !values.dryRun };
  const resolved = await resolvePolicy(request);
  const policy = values.rollback === undefined || !resolved.rollback
    ? resolved
    : { ...resolved, rollback: { ...resolved.rollback, enabled: values.rollback } };
  const sandbox = getSandbox();
  const report = sandbox.check(policy, { argv });
  if (values.dryRun) {
    const { printDryRun } = await lazyImport<typeof import("./dry_run.ts")>(
      "./dry_run.ts",
      import.meta.url,
    );
    printDryRun(policy, report, argv, values.json ?? false);
    return 0;
  }
  if (report.dropped.length > 0) {
    const { recordBestEffort } = await lazyImport<typeof import("../audit/best_effort.ts")>(
      "../audit/best_effort.ts",
      import.meta.url,
    );
    console.error(
      `airlock: --best-effort: running without ${report.dropped.join(", ")} (kernel lacks them)`,
    );
    await recordBestEffort(policy, report, argv);
  }
  // Rollback snapshots the workdir now and needs this process back after the command.
  const rollback = policy.rollback?.enabled
    ? await (await lazyImport<typeof import("../rollback/run.ts")>(
      "../rollback/run.ts",
      import.meta.url,
    )).prepareRollback(policy, values)
    : null;
  if (!needsProxy(policy)) {
    // Nothing has to run beside the command: it takes this process's place.
    if (rollback === null) return await sandbox.run(policy, { argv, replace: true });
    return await rollback.afterExit(await sandbox.run(policy, { argv }));
  }

  // The proxy runs in this (unconfined) process for exactly as long as the command; the
  // exec helper starts now, so its start-up overlaps the proxy's.
  const { discardPrespawned, prespawnHelper } = await lazyImport<
    typeof import("../sandbox/prespawn.ts")
  >("../sandbox/prespawn.ts", import.meta.url);
  prespawnHelper();
  try {
    const { startSessionProxy } = await lazyImport<typeof import("../proxy/session.ts")>(
      "../proxy/session.ts",
      import.meta.url,
    );
    const proxy = await startSessionProxy(
      policy,
      rollback ? { sessionId: rollback.sessionId } : {},
    );
    try {
      const confined = {
        ...policy,
        env: { ...policy.env, vars: { ...policy.env.vars, ...proxy.env } },
      };
      const status = await sandbox.run(confined, { argv, proxyPort: proxy.port });
      return rollback ? await rollback.afterExit(status) : status;
    } finally {
      await proxy.close();
    }
  } finally {
    await discardPrespawned(); // when the proxy failed before the helper was handed a plan
  }
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
