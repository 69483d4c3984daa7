/**
 * Shared helpers for the sandbox tests: hand-made policies, temporary directories inside
 * and outside the grants, and a runner that confines one command through
 * `getSandbox().run()` in a driver process and captures its output.
 *
 * "Outside" directories live under /var/tmp because default profiles grant $TMPDIR.
 *
 * @module
 */

import type { NetworkMode, Policy } from "../../src/policy/types.ts";
import { runProcess } from "../_process.ts";

/** The system Python (the pyenv shim is a bash script that needs $HOME). */
export const PYTHON = "/usr/bin/python3";

/** Read-only system paths every test policy grants. */
export const SYSTEM_READ = ["/usr", "/bin", "/lib", "/lib64", "/etc"];

/** Options of {@linkcode makePolicy}. */
export interface PolicyOptions {
  /** Workdir (read+write, also the cwd). */
  workdir: string;
  /** Extra read grants. */
  read?: string[];
  /** Extra read+write grants. */
  write?: string[];
  /** Network mode (default `none`). */
  net?: NetworkMode;
  /** TCP connect grants. */
  connectPorts?: number[];
  /** TCP bind grants. */
  bindPorts?: number[];
  /** Allow new AF_UNIX sockets. */
  allowUnixSockets?: boolean;
  /** Best effort. */
  bestEffort?: boolean;
  /** Extra environment for the command. */
  env?: Record<string, string>;
}

/**
 * Builds a policy by hand: system paths and /proc read-only, /dev/null read+write, the
 * workdir read+write.
 *
 * @param o The options.
 * @returns The policy.
 */
export function makePolicy(o: PolicyOptions): Policy {
  const paths = [
    ...[...SYSTEM_READ, "/proc", ...(o.read ?? [])].map((path) => ({
      path,
      access: ["read" as const],
      origin: "test",
    })),
    ...["/dev/null", o.workdir, ...(o.write ?? [])].map((path) => ({
      path,
      access: ["read" as const, "write" as const],
      origin: "test",
    })),
  ];
  return {
    profile: "test",
    profileChain: ["test"],
    cwd: o.workdir,
    workdir: o.workdir,
    paths,
    network: {
      mode: o.net ?? "none",
      connectPorts: o.connectPorts ?? [],
      bindPorts: o.bindPorts ?? [],
      allowDomains: [],
      allowRanges: [],
      allowUnixSockets: o.allowUnixSockets ?? false,
      resolve: [],
      upstreamCaFiles: [],
    },
    env: {
      vars: { PATH: "/usr/bin:/bin", HOME: o.workdir, LANG: "C.UTF-8", ...o.env },
      removed: [],
      set: [],
    },
    credentials: {},
    routes: {},
    bestEffort: o.bestEffort ?? false,
    bypassProtection: [],
  };
}

/** The outcome of a confined run. */
export interface RunResult {
  /** Exit status of the driver (the command's, or airlock's 125–127). */
  code: number;
  /** The command's stdout. */
  stdout: string;
  /** The command's (and airlock's) stderr. */
  stderr: string;
}

/** Options of {@linkcode runConfined}. */
export interface RunOptions {
  /** The proxy port granted for connect. */
  proxyPort?: number;
  /** Extra environment for airlock itself (e.g. `AIRLOCK_TEST_PRETEND_ABI`). */
  airlockEnv?: Record<string, string>;
  /** Print the enforcement report on stderr first. */
  report?: boolean;
  /** Bytes for the command's stdin (default: none). */
  stdin?: string;
  /** Start airlock with descriptors 7 and 8 open and inheritable (to prove none leaks). */
  leakFds?: boolean;
}

/**
 * Options that run a test with Landlock and seccomp alone — no namespaces — so a test of
 * one of those layers is not passed by another (give the policy `bestEffort: true`).
 */
export const LANDLOCK_ONLY: RunOptions = { airlockEnv: { AIRLOCK_TEST_NO_NAMESPACES: "1" } };

/**
 * Options that run a test with the namespaces and seccomp but no Landlock (the ABI is
 * pretended away; give the policy `bestEffort: true`), to test the namespaces alone.
 */
export const WITHOUT_LANDLOCK: RunOptions = { airlockEnv: { AIRLOCK_TEST_PRETEND_ABI: "0" } };

/** The driver script that calls `getSandbox().run()`. */
export const DRIVER = new URL("./_run_policy.ts", import.meta.url).pathname;

/**
 * The environment that makes the driver run one request.
 *
 * @param policy The policy.
 * @param argv The command.
 * @param options Proxy port and report flag.
 * @returns `{ AIRLOCK_TEST_RUN: json }`.
 */
export function driverEnv(
  policy: Policy,
  argv: string[],
  options: RunOptions = {},
): Record<string, string> {
  return {
    AIRLOCK_TEST_RUN: JSON.stringify({
      policy,
      argv,
      proxyPort: options.proxyPort,
      report: options.report,
    }),
  };
}

/**
 * Runs `argv` confined by `policy` in a separate airlock driver process.
 *
 * @param policy The policy.
 * @param argv The command.
 * @param options Proxy port, airlock environment, stdin.
 * @returns Exit status and captured output.
 */
export async function runConfined(
  policy: Policy,
  argv: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const deno = [Deno.execPath(), "run", "-A", "--no-config", DRIVER];
  const cmd = options.leakFds
    ? ["bash", "-c", 'exec 7</dev/null 8>/dev/null; exec "$@"', "bash", ...deno]
    : deno;
  const { code, stdout, stderr } = await runProcess(cmd[0]!, cmd.slice(1), {
    env: { ...options.airlockEnv, ...driverEnv(policy, argv, options) },
    ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
  });
  return { code, stdout, stderr };
}

/**
 * Starts `argv` confined in a driver process with piped stdout and stderr, for tests that
 * interact with it while it runs (signals, parent death).
 *
 * @param policy The policy.
 * @param argv The command.
 * @param options Proxy port and airlock environment.
 * @returns The driver process.
 */
export function spawnConfined(
  policy: Policy,
  argv: string[],
  options: RunOptions = {},
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-config", DRIVER],
    env: { ...options.airlockEnv, ...driverEnv(policy, argv, options) },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/**
 * Reads a stream line by line.
 *
 * @param stream A byte stream.
 * @returns The lines, without their newline.
 */
export async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let buffer = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      yield buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
    }
  }
  if (buffer !== "") yield buffer;
}

/**
 * Runs a bash script confined.
 *
 * @param policy The policy.
 * @param script The script for `bash -c`.
 * @param options As for {@linkcode runConfined}.
 * @returns Exit status and captured output.
 */
export function runBash(policy: Policy, script: string, options?: RunOptions): Promise<RunResult> {
  return runConfined(policy, ["bash", "-c", script], options);
}

/**
 * Runs a Python snippet confined.
 *
 * @param policy The policy.
 * @param code The program for `python3 -c`.
 * @param options As for {@linkcode runConfined}.
 * @returns Exit status and captured output.
 */
export function runPython(policy: Policy, code: string, options?: RunOptions): Promise<RunResult> {
  return runConfined(policy, [PYTHON, "-c", code], options);
}

/** A workdir (granted) under /tmp and an outside directory (not granted) under /var/tmp. */
export interface Dirs extends AsyncDisposable {
  /** The granted workdir. */
  workdir: string;
  /** A directory outside every grant, holding `secret.txt`. */
  outside: string;
}

/**
 * Creates the two directories; `await using` removes them.
 *
 * @returns The directories.
 */
export async function makeDirs(): Promise<Dirs> {
  const workdir = await Deno.realPath(await Deno.makeTempDir({ prefix: "airlock-work-" }));
  const outside = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "airlock-outside-" });
  await Deno.writeTextFile(`${outside}/secret.txt`, "top secret\n");
  return {
    workdir,
    outside,
    async [Symbol.asyncDispose]() {
      await Deno.remove(workdir, { recursive: true }).catch(() => {});
      await Deno.remove(outside, { recursive: true }).catch(() => {});
    },
  };
}

/**
 * The pids (as the host sees them) of the processes whose command line contains a
 * marker — how a test finds a confined process, whose own `$$` is its pid inside the
 * sandbox's PID namespace.
 *
 * @param marker A unique string in the process's argv.
 * @returns The pids, possibly none.
 */
export function findPids(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name) || Number(entry.name) === Deno.pid) continue;
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`);
      if (cmdline.includes(marker)) pids.push(Number(entry.name));
    } catch {
      // gone
    }
  }
  return pids;
}

/**
 * Waits until a process has ended (gone, or a zombie), up to about five seconds.
 *
 * @param pid The process.
 * @returns Whether it ended.
 */
export async function ended(pid: number): Promise<boolean> {
  for (let i = 0; i < 500; i++) {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => "");
    if (stat === "" || /^\d+ \([^)]*\) Z/.test(stat)) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}
