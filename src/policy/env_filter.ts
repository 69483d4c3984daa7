/**
 * Environment filtering: the command never inherits a variable that looks like a
 * credential (its key goes through the proxy instead), a proxy setting (airlock sets
 * its own) or one of airlock's internal variables.
 *
 * Order: built-in patterns remove; the profile's `env.allow` keeps a credential-looking
 * name (never a proxy or `AIRLOCK_*` variable); `env.deny` removes more; `env.set` sets
 * values last. `removed` lists names only, never values.
 *
 * @module
 */

import type { EnvPolicy } from "./types.ts";

/** Name patterns (globs, matched case-insensitively) that look like credentials. */
export const CREDENTIAL_PATTERNS: readonly string[] = [
  // API keys and tokens by naming convention.
  "*_API_KEY",
  "*_APIKEY",
  "*_TOKEN",
  "*_SECRET*",
  "*SECRET_KEY*",
  "*_PASSWORD",
  "*_PASSWD",
  "*_CREDENTIALS",
  "*_PRIVATE_KEY",
  "*_ACCESS_KEY",
  // npm reads registry tokens from npm_config_…_authToken and npm_config__auth.
  "*_AUTHTOKEN*",
  "*__AUTH*",
  // Connection URLs usually carry a password inline.
  "DATABASE_URL",
  "*_DATABASE_URL",
  // Well-known names that the patterns above miss or that matter enough to list.
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "GITHUB_TOKEN",
  "GH_TOKEN",
  "NPM_TOKEN",
  // Sockets that hand out the user's identity: SSH agent, D-Bus (keyring), GPG agent.
  "SSH_AUTH_SOCK",
  "DBUS_SESSION_BUS_ADDRESS",
  "GPG_AGENT_INFO",
];

/** Variables always removed, even when `env.allow` names them: airlock sets its own. */
export const STRUCTURAL_PATTERNS: readonly string[] = [
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "ALL_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "all_proxy",
  "no_proxy",
  "AIRLOCK_*",
];

/**
 * Compiles a glob (`*` = any run of characters) to an anchored regular expression.
 *
 * @param glob The pattern.
 * @param ignoreCase Whether to ignore case.
 * @returns The expression.
 */
/** Compiled globs: filtering checks every variable against every pattern on each run. */
const compiled = new Map<string, RegExp>();

function globToRegExp(glob: string, ignoreCase: boolean): RegExp {
  const key = `${ignoreCase ? "i" : "s"}:${glob}`;
  let re = compiled.get(key);
  if (re === undefined) {
    const body = glob.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
    re = new RegExp(`^${body}$`, ignoreCase ? "i" : "");
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
  return globs.some((g) => globToRegExp(g, ignoreCase).test(name));
}

/** The profile's env section. */
export interface EnvRules {
  /** Names or globs kept although they look like credentials. */
  allow: string[];
  /** Names or globs removed as well. */
  deny: string[];
  /** Values to set (already expanded). */
  set: Record<string, string>;
}

/**
 * Filters an environment for the command.
 *
 * @param env airlock's environment.
 * @param rules The profile's `env` section.
 * @returns The command's variables, the names removed and the names set.
 * @example
 * ```ts
 * import { filterEnv } from "./env_filter.ts";
 * const out = filterEnv(
 *   { PATH: "/usr/bin", OPENAI_API_KEY: "sk-x", HTTPS_PROXY: "http://p", AIRLOCK_X: "1" },
 *   { allow: [], deny: [], set: { EDITOR: "vi" } },
 * );
 * console.assert(out.vars.PATH === "/usr/bin" && out.vars.EDITOR === "vi");
 * console.assert(out.removed.join() === "AIRLOCK_X,HTTPS_PROXY,OPENAI_API_KEY");
 * ```
 */
export function filterEnv(env: Record<string, string>, rules: EnvRules): EnvPolicy {
  const vars: Record<string, string> = {};
  const removed: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    const structural = matchesAny(name, STRUCTURAL_PATTERNS);
    const credential = matchesAny(name, CREDENTIAL_PATTERNS, true) &&
      !matchesAny(name, rules.allow);
    if (structural || credential || matchesAny(name, rules.deny)) {
      if (!Object.hasOwn(rules.set, name)) removed.push(name);
    } else {
      vars[name] = value;
    }
  }
  for (const [name, value] of Object.entries(rules.set)) vars[name] = value;
  return { vars, removed: removed.sort(), set: Object.keys(rules.set).sort() };
}
