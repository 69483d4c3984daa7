/**
 * Environment filtering: the command gets only variables whose names are allowed and
 * whose values do not look like credentials. Its keys go through the proxy instead.
 *
 * For each variable of airlock's environment, in this order:
 * 1. A name that `env.set` or `--env NAME=VALUE` sets is replaced, not inherited.
 * 2. Proxy variables and `AIRLOCK_*` are removed (airlock sets its own), and so is every
 *    variable a credential reference (`env:VAR`) reads. Nothing passes these.
 * 3. `--env-secret NAME` and `env.allow_secrets` pass the name with its value unchecked.
 * 4. `--env NAME` passes the name (even over `env.deny`); otherwise `env.deny` removes
 *    it; otherwise an exact `env.allow` name, an `env.allow` glob or the built-in
 *    allowlist (`env_names.ts`) passes it — except that a glob or built-in pattern never
 *    passes a name that looks like a credential. Everything else is removed.
 * 5. A name that passed is still removed when its value looks like a credential
 *    (`secret_shapes.ts`).
 * Then `env.set` values, then `--env NAME=VALUE` values, are set. Reasons name the rule,
 * never a value.
 *
 * @module
 */

import { builtinAllow, EXCLUDED_NAMES, looksLikeCredentialName } from "./env_names.ts";
import { secretShape } from "./secret_shapes.ts";
import type { EnvPolicy } from "./types.ts";

/** Proxy variables: always removed, airlock sets its own. */
export const PROXY_NAMES: readonly string[] = [
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "ALL_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "all_proxy",
  "no_proxy",
];

/** Variables always removed, whatever allows them: the proxy's and airlock's own. */
export const STRUCTURAL_PATTERNS: readonly string[] = [...PROXY_NAMES, "AIRLOCK_*"];

const PROXY_SET: ReadonlySet<string> = new Set(PROXY_NAMES);

/**
 * Why a name can never pass (a proxy or `AIRLOCK_*` variable), or null.
 *
 * @param name The variable name.
 * @returns The reason, or null for any other name.
 * @example
 * ```ts
 * import { structuralReason } from "./env_filter.ts";
 * console.assert(structuralReason("HTTPS_PROXY") !== null && structuralReason("PATH") === null);
 * ```
 */
export function structuralReason(name: string): string | null {
  if (PROXY_SET.has(name)) return "airlock sets the proxy variables itself";
  if (name.startsWith("AIRLOCK_")) return "airlock's own variable";
  return null;
}

/** Compiled globs, by list: the same profile lists are matched against every variable. */
const compiled = new Map<string, RegExp | null>();

/**
 * Compiles globs (`*` = any run of characters) into one anchored expression.
 *
 * @param globs The patterns.
 * @param ignoreCase Whether to ignore case.
 * @returns The expression, or null for an empty list.
 */
function globsToRegExp(globs: readonly string[], ignoreCase: boolean): RegExp | null {
  const key = `${ignoreCase ? "i" : "s"}:${globs.join("\n")}`;
  let re = compiled.get(key);
  if (re === undefined) {
    const bodies = globs.map((g) =>
      g.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")
    );
    re = bodies.length === 0
      ? null
      : new RegExp(`^(?:${bodies.join("|")})$`, ignoreCase ? "i" : "");
    compiled.set(key, re);
  }
  return re;
}

/**
 * Whether a name matches one of the globs.
 *
 * @param name The variable name.
 * @param globs The patterns.
 * @param ignoreCase Whether to ignore case.
 * @returns True on a match.
 * @example
 * ```ts
 * import { matchesAny } from "./env_filter.ts";
 * console.assert(matchesAny("OPENAI_API_KEY", ["*_API_KEY"]));
 * console.assert(!matchesAny("PATH", ["*_API_KEY"]));
 * ```
 */
export function matchesAny(name: string, globs: readonly string[], ignoreCase = false): boolean {
  return globsToRegExp(globs, ignoreCase)?.test(name) ?? false;
}

/** What decides the command's environment: the profile's `env` section and the flags. */
export interface EnvRules {
  /** `env.allow`: names or globs passed (a glob never passes a credential-looking name). */
  allow: readonly string[];
  /** `env.deny`: names or globs removed. */
  deny: readonly string[];
  /** `env.set`: values to set (already expanded). */
  set: Readonly<Record<string, string>>;
  /** `--env NAME`: names passed from airlock's environment (value still checked). */
  pass?: readonly string[];
  /** `--env NAME=VALUE`: values set, after `set`. */
  setByFlag?: Readonly<Record<string, string>>;
  /** Names passed with their value unchecked → where that was asked (`--env-secret`, `env.allow_secrets`). */
  unchecked?: Readonly<Record<string, string>>;
  /** Variables a credential reference reads → the route: never passed. */
  sources?: Readonly<Record<string, string>>;
  /** Also record why each passed name passed (`EnvPolicy.passed`). */
  explain?: boolean;
}

/** The decision on one variable: kept or not, and the rule that decided. */
interface Verdict {
  readonly keep: boolean;
  readonly why: string;
}

/** The rules with their globs compiled: built once per filter, used for every variable. */
interface Compiled {
  rules: EnvRules;
  allow: RegExp | null;
  deny: RegExp | null;
}

// The common verdicts, shared: most variables cost no allocation.
const BY_FLAG: Verdict = { keep: true, why: "--env" };
const BY_ALLOW: Verdict = { keep: true, why: "env.allow" };
const BY_ALLOW_GLOB: Verdict = { keep: true, why: "env.allow glob" };
const BY_ALLOWLIST: Verdict = { keep: true, why: "allowlist" };
const BY_PATTERN = new Map<string, Verdict>();
const DENIED: Verdict = { keep: false, why: "env.deny" };
const CREDENTIAL_BY_GLOB: Verdict = {
  keep: false,
  why: "the name looks like a credential, which only an exact env.allow name or --env passes",
};
const NOT_ALLOWED: Verdict = { keep: false, why: "not on the allowlist" };
const NOT_ALLOWED_CREDENTIAL: Verdict = {
  keep: false,
  why: "not on the allowlist (the name looks like a credential)",
};

/** The name rules (step 4 above). */
function byName(name: string, c: Compiled): Verdict {
  if (c.rules.pass?.includes(name)) return BY_FLAG;
  if (c.deny?.test(name)) return DENIED;
  if (c.rules.allow.includes(name)) return BY_ALLOW;
  if (c.allow?.test(name)) {
    return looksLikeCredentialName(name) ? CREDENTIAL_BY_GLOB : BY_ALLOW_GLOB;
  }
  const builtin = builtinAllow(name);
  if (builtin === "name") return BY_ALLOWLIST;
  if (builtin !== null) {
    if (looksLikeCredentialName(name)) return CREDENTIAL_BY_GLOB;
    let verdict = BY_PATTERN.get(builtin);
    if (verdict === undefined) {
      verdict = { keep: true, why: `allowlist ${builtin}` };
      BY_PATTERN.set(builtin, verdict);
    }
    return verdict;
  }
  const excluded = EXCLUDED_NAMES[name];
  if (excluded !== undefined) return { keep: false, why: `not on the allowlist (${excluded})` };
  return looksLikeCredentialName(name) ? NOT_ALLOWED_CREDENTIAL : NOT_ALLOWED;
}

/**
 * Decides one inherited variable.
 *
 * @param name The name.
 * @param value The value (checked, never reported).
 * @param c The compiled rules.
 * @returns The verdict, or null when `env.set`/`--env NAME=VALUE` replaces the variable.
 */
function judge(name: string, value: string, c: Compiled): Verdict | null {
  const rules = c.rules;
  if (Object.hasOwn(rules.set, name) || (rules.setByFlag && Object.hasOwn(rules.setByFlag, name))) {
    return null;
  }
  const structural = structuralReason(name);
  if (structural !== null) return { keep: false, why: structural };
  const route = rules.sources?.[name];
  if (route !== undefined) {
    return { keep: false, why: `the proxy reads credential "${route}" from it` };
  }
  const unchecked = rules.unchecked?.[name];
  if (unchecked !== undefined) return { keep: true, why: `${unchecked} (value not checked)` };
  const verdict = byName(name, c);
  if (!verdict.keep) return verdict;
  const shape = secretShape(value);
  return shape === null ? verdict : { keep: false, why: `the value looks like ${shape}` };
}

/**
 * Filters an environment for the command.
 *
 * @param env airlock's environment.
 * @param rules The profile's `env` section and the flags.
 * @returns The command's variables, the names removed (with reasons) and the names set.
 * @example
 * ```ts
 * import { filterEnv } from "./env_filter.ts";
 * const out = filterEnv(
 *   { PATH: "/usr/bin", OPENAI_API_KEY: "sk-x", HTTPS_PROXY: "http://p", FOO: "1", LANG: "ghp_" + "x1Y2".repeat(9) },
 *   { allow: [], deny: [], set: { EDITOR: "vi" } },
 * );
 * console.assert(out.vars.PATH === "/usr/bin" && out.vars.EDITOR === "vi");
 * console.assert(out.removed.join() === "FOO,HTTPS_PROXY,LANG,OPENAI_API_KEY");
 * console.assert(out.reasons?.LANG === "the value looks like a GitHub token");
 * ```
 */
export function filterEnv(env: Readonly<Record<string, string>>, rules: EnvRules): EnvPolicy {
  const vars: Record<string, string> = {};
  const removed: string[] = [];
  const reasons: Record<string, string> = {};
  const passed: Record<string, string> = {};
  const unchecked: string[] = [];
  const compiled: Compiled = {
    rules,
    allow: globsToRegExp(rules.allow, false),
    deny: globsToRegExp(rules.deny, false),
  };
  for (const name of Object.keys(env)) {
    const value = env[name]!;
    const verdict = judge(name, value, compiled);
    if (verdict === null) continue;
    if (verdict.keep) {
      vars[name] = value;
      if (rules.explain) passed[name] = verdict.why;
      if (rules.unchecked?.[name] !== undefined) unchecked.push(name);
    } else {
      removed.push(name);
      reasons[name] = verdict.why;
    }
  }
  for (const [name, value] of Object.entries(rules.set)) {
    vars[name] = value;
    if (rules.explain) passed[name] = "set by env.set";
  }
  for (const [name, value] of Object.entries(rules.setByFlag ?? {})) {
    vars[name] = value;
    if (rules.explain) passed[name] = "set by --env NAME=VALUE";
  }
  const set = [...new Set([...Object.keys(rules.set), ...Object.keys(rules.setByFlag ?? {})])];
  return {
    vars,
    removed: removed.sort(),
    set: set.sort(),
    reasons,
    ...(rules.explain ? { passed } : {}),
    ...(unchecked.length > 0 ? { unchecked: unchecked.sort() } : {}),
  };
}
