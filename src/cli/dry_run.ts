/**
 * `airlock run --dry-run`: prints the effective policy — every filesystem rule with its
 * access and origin, the network grants, environment changes (names only for removed
 * variables, never their values), credentials by reference, and what the kernel will
 * enforce or drop — as text, or as one JSON object with `--json`.
 *
 * @module
 */

import type { EnvPolicy, Policy } from "../policy/types.ts";
import { secretShape } from "../policy/secret_shapes.ts";
import { DEFAULT_EXCLUDES, DEFAULT_GUARD } from "../rollback/defaults.ts";
import type { EnforcementReport } from "../sandbox/types.ts";
import { describeLimits } from "../proxy/token_limits/config.ts";

/** Stands in for a value a dry run does not print. */
const REDACTED = "<redacted>";

/**
 * The policy with the values that may be secrets redacted: names passed unchecked
 * (`--env-secret`, `env.allow_secrets`) and any value of credential shape (one typed with
 * `--env NAME=VALUE`). Returns the same object when there is nothing to redact.
 */
function redacted(policy: Policy): Policy {
  const vars = policy.env.vars;
  const hide = Object.keys(vars).filter((name) =>
    policy.env.unchecked?.includes(name) || secretShape(vars[name]!) !== null
  );
  if (hide.length === 0) return policy;
  const env: EnvPolicy = { ...policy.env, vars: { ...vars } };
  for (const name of hide) env.vars[name] = REDACTED;
  return { ...policy, env };
}

/**
 * The JSON form of a dry run: the policy (its `env.vars` included: removed variables are
 * not in it, and values passed unchecked or of credential shape read `<redacted>`), the
 * command and the enforcement report.
 *
 * @param policy The resolved policy.
 * @param report What the sandbox will enforce and drop.
 * @param argv The command.
 * @returns A JSON-serialisable object.
 * @example
 * ```ts
 * import { dryRunJson } from "./dry_run.ts";
 * import type { Policy } from "../policy/types.ts";
 * const policy = { profile: "default", env: { vars: {}, removed: [], set: [] } } as unknown as Policy;
 * const out = dryRunJson(policy, { enforced: ["fs"], dropped: [] }, ["bash"]);
 * console.assert(out.argv[0] === "bash" && out.enforcement.enforced[0] === "fs");
 * ```
 */
export function dryRunJson(
  policy: Policy,
  report: EnforcementReport,
  argv: string[],
): { argv: string[]; policy: Policy; enforcement: EnforcementReport } {
  return { argv, policy: redacted(policy), enforcement: report };
}

/**
 * Groups names by reason: `  LABEL, REASON: A, B` lines (`  LABEL: A, B` without a
 * reason), in the order reasons first occur.
 *
 * @param label `passed` or `removed`.
 * @param names The names, sorted.
 * @param reasons Name → reason.
 * @returns The lines.
 */
function byReason(
  label: string,
  names: readonly string[],
  reasons: Record<string, string> | undefined,
): string[] {
  const groups = new Map<string, string[]>();
  for (const name of names) {
    const reason = reasons?.[name];
    const key = reason === undefined ? label : `${label}, ${reason}`;
    groups.set(key, [...(groups.get(key) ?? []), name]);
  }
  return [...groups].map(([key, group]) => `  ${key}: ${group.join(", ")}`);
}

/**
 * The environment lines of a dry run: what passes and what is removed, grouped by the rule
 * that decided, and the values set (never an inherited value).
 *
 * @param env The policy's environment.
 * @returns The lines.
 */
function envLines(env: EnvPolicy): string[] {
  const set = new Set(env.set);
  const passed = Object.keys(env.vars).filter((name) => !set.has(name)).sort();
  const shown = (name: string) =>
    env.unchecked?.includes(name) || secretShape(env.vars[name] ?? "") !== null
      ? REDACTED
      : env.vars[name] ?? "";
  return [
    `environment: ${Object.keys(env.vars).length} variables passed, ${env.removed.length} removed`,
    ...(env.passed ? byReason("passed", passed, env.passed) : []),
    ...byReason("removed", env.removed, env.reasons),
    `  set: ${list(env.set.map((k) => `${k}=${shown(k)}`))}`,
  ];
}

function list(values: readonly (string | number)[]): string {
  return values.length === 0 ? "none" : values.join(", ");
}

function withOrigins(
  values: readonly (string | number)[],
  prefix: string,
  origins: Record<string, string> | undefined,
): string[] {
  return values.map((v) =>
    `    ${String(v).padEnd(32)} ${origins?.[`${prefix}:${v}`] ?? ""}`.trimEnd()
  );
}

/**
 * The text form of a dry run.
 *
 * @param policy The resolved policy.
 * @param report What the sandbox will enforce and drop.
 * @param argv The command.
 * @returns Lines of text (no trailing newline).
 * @example
 * ```ts
 * import { dryRunText } from "./dry_run.ts";
 * import type { Policy } from "../policy/types.ts";
 * const policy = {
 *   profile: "default", profileChain: ["default"], cwd: "/w", workdir: "/w",
 *   paths: [{ path: "/w", access: ["read", "write"], origin: "workdir" }],
 *   network: { mode: "none", connectPorts: [], bindPorts: [], allowDomains: [], allowRanges: [],
 *     allowUnixSockets: false, resolve: [], upstreamCaFiles: [] },
 *   env: { vars: {}, removed: ["OPENAI_API_KEY"], set: [] }, credentials: {}, routes: {},
 *   bestEffort: false, bypassProtection: [],
 * } satisfies Policy;
 * const text = dryRunText(policy, { enforced: ["fs"], dropped: [] }, ["bash"]);
 * console.assert(text.includes("read+write  /w") && text.includes("OPENAI_API_KEY"));
 * ```
 */
export function dryRunText(policy: Policy, report: EnforcementReport, argv: string[]): string {
  const net = policy.network;
  const width = Math.max(20, ...policy.paths.map((r) => r.path.length));
  const lines = [
    `airlock dry run: ${JSON.stringify(argv)}`,
    `profile: ${policy.profile} (${policy.profileChain.join(" → ")})`,
    `cwd: ${policy.cwd}; workdir: ${policy.workdir ?? "none (--no-workdir)"}`,
    "",
    `filesystem (${policy.paths.length} rules; everything else is denied):`,
    ...policy.paths.map((r) =>
      `  ${r.access.join("+").padEnd(10)}  ${r.path.padEnd(width)}  ${r.origin}`
    ),
    "",
    `network: mode ${net.mode}${
      net.mode === "proxy"
        ? " (TCP only to airlock's proxy and the ports below; the proxy reaches the domains below)"
        : net.mode === "none"
        ? " (no TCP at all)"
        : " (unrestricted)"
    }`,
  ];
  if (net.mode !== "open") {
    lines.push(
      `  connect ports: ${list(net.connectPorts)}`,
      ...withOrigins(net.connectPorts, "connect", net.origins),
      `  listen ports: ${list(net.bindPorts)}`,
      ...withOrigins(net.bindPorts, "bind", net.origins),
      `  domains: ${net.allowDomains.length === 0 ? "none" : ""}`.trimEnd(),
      ...withOrigins(net.allowDomains, "domain", net.origins),
      `  private ranges: ${list(net.allowRanges)}`,
    );
  }
  lines.push(`  unix sockets: ${net.allowUnixSockets ? "allowed" : "denied"}`);
  if (net.resolve.length > 0) lines.push(`  pinned: ${list(net.resolve)}`);
  if (net.upstreamCaFiles.length > 0) lines.push(`  upstream CAs: ${list(net.upstreamCaFiles)}`);
  const creds = Object.entries(policy.credentials).map(([k, v]) => `${k} ← ${v}`);
  const limits = Object.entries(policy.limits ?? {}).map(([k, l]) => `${k}: ${describeLimits(l)}`);
  lines.push(
    `credentials: ${list(creds)}`,
    ...(limits.length > 0 ? [`token limits: ${limits.join("; ")}`] : []),
    `routes: ${list(Object.entries(policy.routes).map(([k, r]) => `${k} → ${r.upstream}`))}`,
    "",
    ...envLines(policy.env),
  );
  if (policy.protect?.length) {
    lines.push(`protected configuration (read-only, put back after): ${list(policy.protect)}`);
  }
  if (policy.bypassProtection.length > 0) {
    lines.push(`protection bypassed for: ${list(policy.bypassProtection)}`);
  }
  lines.push(...rollbackLines(policy));
  lines.push(
    "",
    `kernel enforces: ${list(report.enforced)}`,
    `dropped${policy.bestEffort ? " (--best-effort)" : ""}: ${list(report.dropped)}`,
  );
  return lines.join("\n");
}

/** The rollback section: on or off, the exclusions, the guarded paths and the budget. */
function rollbackLines(policy: Policy): string[] {
  const r = policy.rollback;
  if (!r?.enabled || policy.workdir === null) {
    return ["", "rollback: off (--rollback, or rollback: true in the profile, turns it on)"];
  }
  return [
    "",
    "rollback: on (snapshot of the workdir before the command; summary and guard after it)",
    `  excluded: ${DEFAULT_EXCLUDES.join(" ")} (built-in)${
      r.exclude.length > 0 ? `; ${r.exclude.join(" ")} (profile)` : ""
    }; and what .gitignore files ignore`,
    `  guarded: ${[...DEFAULT_GUARD, ...r.guard].join(" ")}`,
    `  budget: ${r.maxFiles} files, ${r.maxBytes} bytes`,
  ];
}

/**
 * Prints the dry run to stdout.
 *
 * @param policy The resolved policy.
 * @param report What the sandbox will enforce and drop.
 * @param argv The command that would run.
 * @param json Print one JSON object instead of text.
 */
export function printDryRun(
  policy: Policy,
  report: EnforcementReport,
  argv: string[],
  json: boolean,
): void {
  console.log(
    json
      ? JSON.stringify(dryRunJson(policy, report, argv), null, 2)
      : dryRunText(policy, report, argv),
  );
}
