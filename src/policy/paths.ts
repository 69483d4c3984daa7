/**
 * Path variables (`~`, `$HOME`, `$WORKDIR`, `$TMPDIR`, `$XDG_*`), their expansion and
 * normalisation to absolute paths, and the containment test the policy code uses.
 *
 * @module
 */

import { isAbsolute, normalize, resolve } from "./posix_path.ts";

/** The variables a profile path may use, e.g. `$XDG_CONFIG_HOME/opencode`. */
export const PATH_VARIABLES = [
  "HOME",
  "WORKDIR",
  "TMPDIR",
  "XDG_CONFIG_HOME",
  "XDG_CACHE_HOME",
  "XDG_DATA_HOME",
  "XDG_STATE_HOME",
] as const;

/** Values of the {@linkcode PATH_VARIABLES}. */
export type PathVars = Record<(typeof PATH_VARIABLES)[number], string>;

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** An absolute value from the environment, else the fallback (XDG says to ignore relative ones). */
function absoluteOr(value: string | undefined, fallback: string): string {
  if (value === undefined || !isAbsolute(value)) return fallback;
  const normal = normalize(value);
  return normal.length > 1 ? normal.replace(/\/+$/, "") : normal;
}

/**
 * The home directory from `/etc/passwd` for this user, for when `HOME` is unset or
 * relative; `/` when there is no entry (`node:os` is avoided: see `posix_path.ts`).
 */
function passwdHome(): string {
  try {
    const uid = String(Deno.uid());
    for (const line of Deno.readTextFileSync("/etc/passwd").split("\n")) {
      const fields = line.split(":");
      if (fields[2] === uid && fields[5]?.startsWith("/")) return normalize(fields[5]);
    }
  } catch {
    // no passwd file: fall through
  }
  return "/";
}

/**
 * Computes the path variables from an environment and the working directory.
 * XDG variables that are unset or relative take their XDG defaults; `TMPDIR` defaults to `/tmp`.
 *
 * @param env The environment airlock runs in.
 * @param workdir The absolute working directory (`$WORKDIR`).
 * @returns The variables' values.
 * @example XDG defaults
 * ```ts
 * import { pathVars } from "./paths.ts";
 * const vars = pathVars({ HOME: "/home/ada" }, "/work");
 * console.assert(vars.XDG_CONFIG_HOME === "/home/ada/.config");
 * console.assert(vars.TMPDIR === "/tmp");
 * ```
 */
export function pathVars(env: Record<string, string>, workdir: string): PathVars {
  const home = absoluteOr(env.HOME, "") || passwdHome();
  return {
    HOME: home,
    WORKDIR: workdir,
    TMPDIR: absoluteOr(env.TMPDIR, "/tmp"),
    XDG_CONFIG_HOME: absoluteOr(env.XDG_CONFIG_HOME, `${home}/.config`),
    XDG_CACHE_HOME: absoluteOr(env.XDG_CACHE_HOME, `${home}/.cache`),
    XDG_DATA_HOME: absoluteOr(env.XDG_DATA_HOME, `${home}/.local/share`),
    XDG_STATE_HOME: absoluteOr(env.XDG_STATE_HOME, `${home}/.local/state`),
  };
}

/**
 * Names the problem with a profile path's syntax, or returns null when it is fine:
 * it must be absolute, start with `~` or with one of the {@linkcode PATH_VARIABLES},
 * and use no other variable.
 *
 * @param raw The path as written.
 * @returns A phrase such as `must be an absolute path`, or null.
 * @example
 * ```ts
 * import { pathSyntaxProblem } from "./paths.ts";
 * console.assert(pathSyntaxProblem("$HOME/.claude") === null);
 * console.assert(pathSyntaxProblem("tmp") === "must be an absolute path");
 * ```
 */
export function pathSyntaxProblem(raw: string): string | null {
  if (raw === "") return "must not be empty";
  for (const match of raw.matchAll(VARIABLE)) {
    const name = match[1] ?? match[2] ?? "";
    if (!(PATH_VARIABLES as readonly string[]).includes(name)) {
      return `uses the unknown variable "$${name}"`;
    }
  }
  const absolute = raw.startsWith("/") || raw === "~" || raw.startsWith("~/") ||
    raw.startsWith("$");
  if (!absolute) return "must be an absolute path";
  if (raw.startsWith("$") && !/^\$(\{[A-Z_]+\}|[A-Z_]+)(\/|$)/.test(raw)) {
    return "must start with a whole variable such as $HOME/";
  }
  return null;
}

/**
 * Expands `~` and known variables and normalises the result (`..` and `//` removed).
 * Relative results are resolved against `vars.WORKDIR`; unknown variables stay as written.
 *
 * @param raw The path as written.
 * @param vars The variables' values.
 * @returns An absolute, normalised path (symlinks not resolved).
 * @example
 * ```ts
 * import { expandPath, pathVars } from "./paths.ts";
 * const vars = pathVars({ HOME: "/home/ada" }, "/work");
 * console.assert(expandPath("~/.claude", vars) === "/home/ada/.claude");
 * console.assert(expandPath("${XDG_CACHE_HOME}/x/../y", vars) === "/home/ada/.cache/y");
 * ```
 */
export function expandPath(raw: string, vars: PathVars): string {
  let path = raw === "~" ? vars.HOME : raw.startsWith("~/") ? vars.HOME + raw.slice(1) : raw;
  path = expandVars(path, vars);
  const absolute = resolve(vars.WORKDIR, path);
  return absolute.length > 1 ? absolute.replace(/\/+$/, "") : absolute;
}

/**
 * Replaces known `$VAR` and `${VAR}` in a string and a leading `~`; anything else is kept.
 *
 * @param value The string.
 * @param vars The variables' values.
 * @returns The expanded string.
 * @example
 * ```ts
 * import { expandVars, pathVars } from "./paths.ts";
 * const vars = pathVars({ HOME: "/home/ada" }, "/work");
 * console.assert(expandVars("$HOME/.claude costs $5", vars) === "/home/ada/.claude costs $5");
 * ```
 */
export function expandVars(value: string, vars: PathVars): string {
  const tilde = value === "~"
    ? vars.HOME
    : value.startsWith("~/")
    ? vars.HOME + value.slice(1)
    : value;
  return tilde.replace(VARIABLE, (whole, braced?: string, bare?: string) => {
    const name = braced ?? bare ?? "";
    return Object.hasOwn(vars, name) ? vars[name as keyof PathVars] : whole;
  });
}

/**
 * Whether `path` equals `base` or lies beneath it (both absolute and normalised).
 *
 * @param path The candidate.
 * @param base The directory.
 * @returns True when `path` is `base` or inside it.
 * @example
 * ```ts
 * import { isWithin } from "./paths.ts";
 * console.assert(isWithin("/home/ada/.ssh/id", "/home/ada"));
 * console.assert(!isWithin("/home/adam", "/home/ada"));
 * console.assert(isWithin("/etc", "/"));
 * ```
 */
export function isWithin(path: string, base: string): boolean {
  if (base === "/") return path.startsWith("/");
  if (path.length === base.length) return path === base;
  // No concatenation: this runs for every grant against every protected path.
  return path.length > base.length && path.charCodeAt(base.length) === 47 /* / */ &&
    path.startsWith(base);
}

/**
 * Whether a file-system error means "nothing is there": the path, or a directory on the
 * way to it, does not exist (or a component is not a directory).
 *
 * @param err The thrown value.
 * @returns True for `NotFound` and `NotADirectory`.
 * @example
 * ```ts
 * import { isNothingThere } from "./paths.ts";
 * try { Deno.statSync("/nonexistent/x"); } catch (err) { console.assert(isNothingThere(err)); }
 * ```
 */
export function isNothingThere(err: unknown): boolean {
  return err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory;
}

/**
 * Resolves symlinks when the path exists.
 *
 * @param path An absolute path.
 * @returns The real path, or null when nothing exists there.
 * @throws {Deno.errors.PermissionDenied} And other errors except "not found".
 */
export function realPathOrNull(path: string): Promise<string | null> {
  try {
    // Synchronous on purpose: a policy resolves ~100 paths, and each async file-system op
    // costs a thread-pool round trip that dominated `airlock run`'s start-up.
    return Promise.resolve(Deno.realPathSync(path));
  } catch (err) {
    if (isNothingThere(err)) return Promise.resolve(null);
    return Promise.reject(err);
  }
}
