/**
 * Starts the exec helper (`airlock __sandbox-exec`) with a plan, forwards signals to it,
 * follows its terminal job control (`job_control.ts`) and resolves to the command's exit
 * status.
 *
 * Under `deno run` the helper is `deno run -A --no-config <main.ts> __sandbox-exec` (no
 * config: the helper imports only relative modules, and the user's directory may hold an
 * unrelated `deno.json`); a compiled airlock runs itself with `__sandbox-exec`. The helper
 * gets a minimal environment: the plan plus what Deno needs to find its cache, never
 * airlock's own variables (which may hold credentials).
 *
 * @module
 */

import { PLAN_ENV, type SandboxPlan } from "./plan.ts";
import { followStops, giveTerminal, ownsTerminal, processGroup } from "./job_control.ts";

/** Signals airlock relays to the command. */
export const FORWARDED_SIGNALS: readonly Deno.Signal[] = [
  "SIGINT",
  "SIGTERM",
  "SIGHUP",
  "SIGQUIT",
  "SIGWINCH",
];

/** Variables the helper's Deno runtime may need (cache location, loader). */
const HELPER_ENV_KEEP = ["HOME", "DENO_DIR", "XDG_CACHE_HOME", "LD_LIBRARY_PATH", "TZ"];

/** The bundled helper (`build_helper_bundle.ts`), preferred under `deno run`. */
const HELPER_BUNDLE = new URL("./exec_helper.bundle.js", import.meta.url);

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
 * import { helperCommand } from "./launcher.ts";
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
 * The bundled helper's URL when it exists as a local file.
 *
 * @returns The URL, or undefined.
 */
function helperBundle(): URL | undefined {
  if (HELPER_BUNDLE.protocol !== "file:") return undefined;
  try {
    return Deno.statSync(HELPER_BUNDLE).isFile ? HELPER_BUNDLE : undefined;
  } catch {
    return undefined;
  }
}

/** Options of {@linkcode launchHelper}. */
export interface LaunchHelperOptions {
  /**
   * Take the terminal back after the command if the helper took its foreground (the
   * Linux helper does; it uses Linux system calls, so only Linux sets this).
   */
  manageTerminal: boolean;
}

/**
 * Runs the helper with a plan and waits for the command.
 *
 * Requires `--allow-run`, `--allow-env` and `--allow-ffi`.
 *
 * @param plan The plan (its `parentPid` must be this process).
 * @param options Terminal handling.
 * @returns The command's exit code, or 128+N when a signal N killed it.
 * @throws {Error} When the helper cannot be spawned.
 */
export async function launchHelper(
  plan: SandboxPlan,
  options: LaunchHelperOptions,
): Promise<number> {
  const [program, ...args] = helperCommand(
    Deno.execPath(),
    new URL("../../main.ts", import.meta.url),
    helperBundle(),
  );
  const env: Record<string, string> = { [PLAN_ENV]: JSON.stringify(plan) };
  for (const name of HELPER_ENV_KEEP) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  env.DENO_NO_UPDATE_CHECK = "1";

  const terminal = options.manageTerminal && ownsTerminal();
  const ownGroup = terminal ? processGroup() : 0;
  const child = new Deno.Command(program!, {
    args,
    env,
    clearEnv: true,
    cwd: "/",
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();

  const unfollow = terminal ? followStops(child.pid) : () => {};
  const forward = new Map<Deno.Signal, () => void>();
  for (const signal of FORWARDED_SIGNALS) {
    const handler = () => relay(child, signal);
    forward.set(signal, handler);
    Deno.addSignalListener(signal, handler);
  }
  try {
    const status = await child.status;
    if (status.signal !== null && status.code < 128) return 128 + signalNumber(status.signal);
    return status.code;
  } finally {
    for (const [signal, handler] of forward) Deno.removeSignalListener(signal, handler);
    unfollow();
    if (terminal) giveTerminal(ownGroup);
  }
}

/** Sends a signal to the helper's process group (the command and its children), else to it. */
function relay(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    Deno.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

const SIGNAL_NUMBERS: Partial<Record<Deno.Signal, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGBUS: 7,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGSEGV: 11,
  SIGUSR2: 12,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGSYS: 31,
};

function signalNumber(signal: Deno.Signal): number {
  return SIGNAL_NUMBERS[signal] ?? 0;
}
