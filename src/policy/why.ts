/**
 * `airlock why`: whether a policy allows an access, and which rule decides it.
 * Pure functions over a {@linkcode Policy}: no file system access.
 *
 * @module
 */

import { isWithin } from "./paths.ts";
import type { Access, PathRule, Policy } from "./types.ts";

/** The answer to "may the command do this?". */
export interface WhyAnswer {
  /** Whether the access is allowed. */
  allowed: boolean;
  /** What was asked, e.g. `write /etc/passwd` or `connect to TCP port 443`. */
  question: string;
  /** The granting rule's description (`profile default: filesystem.read[3] (/usr)`), or the reason for a denial. */
  reason: string;
  /** The granting rule, when there is one. */
  rule?: PathRule;
}

function describeRule(rule: PathRule): string {
  return `${rule.origin} (${rule.path})`;
}

/**
 * Answers whether `path` may be accessed with `op`.
 *
 * A path is allowed when a rule on it or on a directory above it grants `op`. Among
 * those, the rule closest to the path is reported.
 *
 * @param policy The resolved policy.
 * @param path An absolute, normalised path (resolve symlinks first for a faithful answer).
 * @param op `read` (read, list, execute) or `write`.
 * @returns The answer and the rule or reason.
 * @example
 * ```ts
 * import { whyPath } from "./why.ts";
 * import type { Policy } from "./types.ts";
 * const policy = { paths: [{ path: "/usr", access: ["read"], origin: "profile default: filesystem.read[0]" }] } as unknown as Policy;
 * console.assert(whyPath(policy, "/usr/bin/env", "read").reason === "profile default: filesystem.read[0] (/usr)");
 * console.assert(whyPath(policy, "/usr/bin/env", "write").allowed === false);
 * ```
 */
export function whyPath(policy: Policy, path: string, op: Access): WhyAnswer {
  const question = `${op} ${path}`;
  const covering = policy.paths.filter((r) => isWithin(path, r.path));
  const byDepth = (a: PathRule, b: PathRule) => b.path.length - a.path.length;
  const granting = covering.filter((r) => r.access.includes(op)).sort(byDepth)[0];
  if (granting !== undefined) {
    return { allowed: true, question, reason: describeRule(granting), rule: granting };
  }
  const other = covering.sort(byDepth)[0];
  const parent = path === "/" ? "/" : path.slice(0, path.lastIndexOf("/")) || "/";
  const reason = other !== undefined
    ? `no rule grants ${op} to ${path}; the closest rule, ${describeRule(other)}, grants only ${
      other.access.join("+")
    }`
    : `no rule grants ${op} to ${path} or beneath ${parent}`;
  return { allowed: false, question, reason };
}

/**
 * Answers whether TCP port `port` may be connected to (or bound, with `bind`).
 *
 * @param policy The resolved policy.
 * @param port The TCP port.
 * @param options `bind: true` to ask about listening.
 * @returns The answer and the rule or reason.
 * @example
 * ```ts
 * import { whyPort } from "./why.ts";
 * import type { Policy } from "./types.ts";
 * const policy = { network: { mode: "none", connectPorts: [], bindPorts: [] } } as unknown as Policy;
 * console.assert(whyPort(policy, 443, { bind: false }).reason === "network mode none");
 * ```
 */
export function whyPort(policy: Policy, port: number, options: { bind: boolean }): WhyAnswer {
  const net = policy.network;
  const question = options.bind ? `bind TCP port ${port}` : `connect to TCP port ${port}`;
  if (net.mode === "open") return { allowed: true, question, reason: "network mode open" };
  if (net.mode === "none") return { allowed: false, question, reason: "network mode none" };
  const list = options.bind ? net.bindPorts : net.connectPorts;
  const key = `${options.bind ? "bind" : "connect"}:${port}`;
  if (list.includes(port)) {
    return {
      allowed: true,
      question,
      reason: net.origins?.[key] ?? `allowed ${options.bind ? "listen" : "connect"} port`,
    };
  }
  const reason = options.bind
    ? `no rule grants binding port ${port} (network mode proxy; listen ports: ${
      net.bindPorts.join(", ") || "none"
    })`
    : `network mode proxy: only the proxy's port${
      net.connectPorts.length ? ` and ${net.connectPorts.join(", ")}` : ""
    } may be reached; other traffic goes through the proxy`;
  return { allowed: false, question, reason };
}

/** One variable in the answer to `why --env`: its name and the rule that decided (never its value). */
export interface EnvEntry {
  /** The variable name. */
  name: string;
  /** Why it passed (`allowlist`, `--env`, …) or why it was removed. */
  reason: string;
}

/** The answer to `why --env`. */
export interface EnvAnswer {
  /** The variables the command gets, by name, sorted. */
  passed: EnvEntry[];
  /** The variables of airlock's environment it does not get, by name, sorted. */
  removed: EnvEntry[];
}

/**
 * Lists what the command's environment holds and what was removed, with the rule for each.
 * The policy should be resolved with `explainEnv: true`; otherwise passed names have the
 * reason `passed`.
 *
 * @param policy The resolved policy.
 * @returns Names and reasons, never values.
 * @example
 * ```ts
 * import { whyEnv } from "./why.ts";
 * import type { Policy } from "./types.ts";
 * const policy = {
 *   env: { vars: { PATH: "/bin" }, removed: ["FOO"], set: [], reasons: { FOO: "not on the allowlist" },
 *     passed: { PATH: "allowlist" } },
 * } as unknown as Policy;
 * console.assert(whyEnv(policy).removed[0]?.reason === "not on the allowlist");
 * console.assert(whyEnv(policy).passed[0]?.reason === "allowlist");
 * ```
 */
export function whyEnv(policy: Policy): EnvAnswer {
  const env = policy.env;
  const byName = (a: EnvEntry, b: EnvEntry) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  return {
    passed: Object.keys(env.vars)
      .map((name) => ({ name, reason: env.passed?.[name] ?? "passed" }))
      .sort(byName),
    removed: env.removed
      .map((name) => ({ name, reason: env.reasons?.[name] ?? "removed" }))
      .sort(byName),
  };
}
