/**
 * `airlock run` and `airlock shell`: resolve the policy, start the proxy when
 * credentials are asked for, and run the command confined.
 *
 * @module
 */

import type { Command } from "commander";
import { UsageError } from "../errors.ts";
import { addPolicyFlags, type PolicyFlagValues, policyRequestFromFlags } from "./policy_flags.ts";
import { setExitStatus } from "./mod.ts";
import type { Policy } from "../policy/types.ts";

/** Options of `run` and `shell` beyond the policy flags. */
interface RunFlagValues extends PolicyFlagValues {
  dryRun?: boolean;
  json?: boolean;
}

/**
 * Registers `airlock run` and `airlock shell`.
 *
 * @param program The root program.
 */
export function register(program: Command): void {
  addPolicyFlags(
    program.command("run")
      .description("run COMMAND confined by a profile")
      .usage("[flags] -- COMMAND [ARGS...]")
      .argument("[command...]", "the command and its arguments (after --)")
      .passThroughOptions(),
  )
    .option("--dry-run", "print the effective policy and exit")
    .option("--json", "with --dry-run: print JSON")
    .action(async (command: string[], values: RunFlagValues) => {
      if (command.length === 0) {
        throw new UsageError("Cannot run: no command given", {
          hint: "put the command after --, e.g. airlock run -- bash",
        });
      }
      setExitStatus(await runConfined(command, values));
    });

  addPolicyFlags(
    program.command("shell")
      .description("run an interactive shell ($SHELL, else /bin/sh) confined by a profile"),
  )
    .option("--dry-run", "print the effective policy and exit")
    .option("--json", "with --dry-run: print JSON")
    .action(async (values: RunFlagValues) => {
      const shell = Deno.env.get("SHELL") || "/bin/sh";
      setExitStatus(await runConfined([shell], values));
    });
}

/**
 * Resolves the policy and runs `argv` under it.
 *
 * @param argv The command and its arguments.
 * @param values The parsed flags.
 * @returns The exit status to pass through.
 */
async function runConfined(argv: string[], values: RunFlagValues): Promise<number> {
  // A dry run changes nothing on disk: profile "create" entries are not made.
  const request = { ...policyRequestFromFlags(values), createDirs: !values.dryRun };
  const { resolvePolicy } = await import("../policy/mod.ts");
  const { getSandbox } = await import("../sandbox/mod.ts");
  const policy = await resolvePolicy(request);
  const sandbox = getSandbox();
  const report = sandbox.check(policy, { argv });
  if (values.dryRun) {
    const { printDryRun } = await import("./dry_run.ts");
    printDryRun(policy, report, argv, values.json ?? false);
    return 0;
  }
  if (report.dropped.length > 0) {
    const { recordBestEffort } = await import("../audit/best_effort.ts");
    console.error(
      `airlock: --best-effort: running without ${report.dropped.join(", ")} (kernel lacks them)`,
    );
    await recordBestEffort(policy, report, argv);
  }
  if (!needsProxy(policy)) return await sandbox.run(policy, { argv });

  // The proxy runs in this (unconfined) process for exactly as long as the command.
  const { startSessionProxy } = await import("../proxy/session.ts");
  const proxy = await startSessionProxy(policy);
  try {
    const confined = {
      ...policy,
      env: { ...policy.env, vars: { ...policy.env.vars, ...proxy.env } },
    };
    return await sandbox.run(confined, { argv, proxyPort: proxy.port });
  } finally {
    await proxy.close();
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
