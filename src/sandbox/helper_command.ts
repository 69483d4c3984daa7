/**
 * How the exec helper is started: its command line and its minimal environment. Shared by
 * the launcher (which starts it with a plan) and `prespawn.ts` (which starts it early and
 * hands the plan over later), so both start exactly the same program.
 *
 * Under `deno run` the helper is `deno run -A --no-config <bundle>` (or `<main.ts>
 * __sandbox-exec` when the bundle is missing or stale, `src/bundles.ts`; no config: the helper imports only relative modules,
 * and the user's directory may hold an unrelated `deno.json`); a compiled airlock runs
 * itself with `__sandbox-exec`. The environment holds only what Deno needs to find its
 * cache, never airlock's own variables (which may hold credentials).
 *
 * @module
 */

import { useBundle } from "../bundles.ts";

/** Variables the helper's Deno runtime may need (cache location, loader). */
const HELPER_ENV_KEEP = ["HOME", "DENO_DIR", "XDG_CACHE_HOME", "LD_LIBRARY_PATH", "TZ"];

/**
 * The bundled helper (`scripts/build_bundles.ts`), preferred under `deno run`. Written
 * `../sandbox/…` so it resolves the same from this module and from the fast-path bundle
 * in `src/cli/`, like every module-relative URL in code that bundle contains.
 */
const HELPER_BUNDLE = new URL("../sandbox/exec_helper.bundle.js", import.meta.url);

/** airlock's entry point. */
const MAIN = new URL("../../main.ts", import.meta.url);

/**
 * The helper command line: the program and its arguments. Under `deno run`, the bundled
 * helper when there is one (one JavaScript file starts about 7 ms faster), else `main.ts
 * __sandbox-exec`; compiled, the airlock binary itself with `__sandbox-exec`.
 *
 * @param execPath The running executable (`Deno.execPath()`).
 * @param mainUrl The URL of airlock's `main.ts`.
 * @param bundleUrl The bundled helper, or undefined when absent.
 * @returns `[program, ...args]`.
 * @example
 * ```ts
 * import { helperCommand } from "./helper_command.ts";
 * const cmd = helperCommand("/usr/bin/deno", new URL("file:///repo/main.ts"));
 * console.assert(cmd.join(" ") === "/usr/bin/deno run -A --no-config /repo/main.ts __sandbox-exec");
 * const bundled = helperCommand("/usr/bin/deno", new URL("file:///r/main.ts"), new URL("file:///r/h.js"));
 * console.assert(bundled.join(" ") === "/usr/bin/deno run -A --no-config /r/h.js");
 * console.assert(helperCommand("/opt/airlock", new URL("file:///x/main.ts")).length === 2);
 * ```
 */
export function helperCommand(execPath: string, mainUrl: URL, bundleUrl?: URL): string[] {
  const base = execPath.slice(execPath.lastIndexOf("/") + 1);
  if (base !== "deno") return [execPath, "__sandbox-exec"];
  const run = [execPath, "run", "-A", "--no-config"];
  if (bundleUrl !== undefined) return [...run, decodeURIComponent(bundleUrl.pathname)];
  return [...run, decodeURIComponent(mainUrl.pathname), "__sandbox-exec"];
}

/**
 * The helper command line of this airlock (see {@linkcode helperCommand}).
 *
 * Requires `--allow-read` (to look for the bundle).
 *
 * @returns `[program, ...args]`.
 */
export function thisHelperCommand(): [string, ...string[]] {
  const [program, ...args] = helperCommand(Deno.execPath(), MAIN, helperBundle());
  return [program!, ...args];
}

/**
 * The helper's environment: the variables its Deno runtime needs, plus `extra`.
 *
 * Requires `--allow-env`.
 *
 * @param extra Variables for the helper itself (the plan, or where to read it).
 * @returns The complete environment (pass it with `clearEnv: true`).
 * @example
 * ```ts
 * import { helperEnv } from "./helper_command.ts";
 * const env = helperEnv({ AIRLOCK_SANDBOX_PLAN: "{}" });
 * console.assert(env.DENO_NO_UPDATE_CHECK === "1" && env.PATH === undefined);
 * ```
 */
export function helperEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = { ...extra };
  for (const name of HELPER_ENV_KEEP) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  env.DENO_NO_UPDATE_CHECK = "1";
  return env;
}

/**
 * The bundled helper's URL while it is fresh (`src/bundles.ts`); never under a compiled
 * airlock, which runs itself as the helper.
 *
 * @returns The URL, or undefined.
 */
function helperBundle(): URL | undefined {
  if (Deno.build.standalone) return undefined;
  return useBundle(HELPER_BUNDLE, "src/sandbox/exec_helper.bundle.js") ? HELPER_BUNDLE : undefined;
}

/**
 * Starts the helper: this airlock's helper command, the minimal environment plus `extra`,
 * working directory `/`, and airlock's own standard streams (the command inherits them).
 *
 * Requires `--allow-run`, `--allow-read` and `--allow-env`.
 *
 * @param extra Variables for the helper itself (the plan, or where to read it).
 * @returns The helper process.
 */
export function spawnHelper(extra: Record<string, string>): Deno.ChildProcess {
  const [program, ...args] = thisHelperCommand();
  return new Deno.Command(program, {
    args,
    env: helperEnv(extra),
    clearEnv: true,
    cwd: "/",
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
}
