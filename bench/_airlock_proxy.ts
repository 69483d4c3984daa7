/**
 * What the proxy benchmarks share: `airlock proxy` started as a subprocess with the V8
 * flags of the compiled binaries (`deno run -A main.ts proxy --credential openai=env:…
 * --resolve api.openai.com:443:127.0.0.1 --upstream-ca CA`), the target it serves, and a
 * process's CPU time from `/proc`.
 *
 * @module
 */

import { V8_FLAGS } from "../scripts/build.ts";

const ROOT = new URL("..", import.meta.url).pathname;

/** A way to reach the fake upstream (directly, through airlock, through nginx). */
export interface Target {
  name: string;
  /** Base URL for `/v1/...`. */
  base: string;
  headers: Record<string, string>;
  client?: Deno.HttpClient;
  close(): Promise<void>;
  pid?: number;
  /** The variables `airlock proxy --env-file` wrote (airlock targets). */
  env?: Record<string, string>;
}

/**
 * Polls `fn` until it gives a value (10 s at most).
 *
 * @param what What is waited for (for the error).
 * @param fn The probe; a rejection counts as not yet.
 * @returns The value.
 */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  throw new Error(`Cannot start the benchmark: ${what} did not come up`);
}

/**
 * The `--v8-flags=…` value the compiled binaries start with (`V8_FLAGS` of
 * `scripts/build.ts`, the one place that builds them).
 *
 * @returns The flags.
 */
export function compiledV8Flags(): string {
  return V8_FLAGS;
}

/**
 * Starts `airlock proxy` for the built-in `openai` route pinned to 127.0.0.1:443.
 *
 * @param key The real key the proxy injects.
 * @param caFile The CA the upstream's certificate chains to.
 * @param dir A private directory (state and the env file).
 * @param name The target's name.
 * @param v8Flags V8 flags for the process.
 * @param root The checkout to run (`ROOT` by default).
 * @returns The target.
 */
export async function startAirlock(
  key: string,
  caFile: string,
  dir: string,
  name: string,
  v8Flags: string | undefined,
  root = ROOT,
): Promise<Target> {
  const envFile = `${dir}/${name}.env`;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      ...(v8Flags ? [`--v8-flags=${v8Flags}`] : []),
      `${root}main.ts`,
      "proxy",
      "--credential",
      "openai=env:BENCH_KEY",
      "--resolve",
      "api.openai.com:443:127.0.0.1",
      "--upstream-ca",
      caFile,
      "--env-file",
      envFile,
    ],
    env: { BENCH_KEY: key, XDG_STATE_HOME: dir },
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const text = await waitFor("airlock proxy", async () => {
    const t = await Deno.readTextFile(envFile);
    return t.includes("OPENAI_API_KEY") ? t : undefined;
  });
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/^([A-Z_a-z]+)='(.*)'$/gm)) env[m[1]!] = m[2]!;
  return {
    name,
    base: env.OPENAI_BASE_URL!,
    headers: { authorization: `Bearer ${env.OPENAI_API_KEY}` },
    pid: child.pid,
    env,
    async close() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

/**
 * The same airlock process reached as clients that ignore base URLs reach it: through
 * `HTTPS_PROXY` to `https://api.openai.com`, TLS terminated with the session CA.
 *
 * @param airlock A target from {@linkcode startAirlock}.
 * @param name The new target's name.
 * @returns The target (closing it closes only its client).
 */
export function interceptedTarget(airlock: Target, name: string): Target {
  const env = airlock.env!;
  const client = Deno.createHttpClient({
    proxy: { url: env.HTTPS_PROXY! },
    caCerts: [Deno.readTextFileSync(env.NODE_EXTRA_CA_CERTS!)],
  });
  return {
    name,
    base: "https://api.openai.com/v1",
    headers: airlock.headers,
    client,
    pid: airlock.pid,
    close: () => Promise.resolve(client.close()),
  };
}

/**
 * Starts the floor relay (`bench/_floor_relay.ts`) in its own process.
 *
 * @param key The real key it injects.
 * @param caFile The CA the upstream's certificate chains to.
 * @param dir A private directory (the port file).
 * @returns The target.
 */
export async function startFloor(key: string, caFile: string, dir: string): Promise<Target> {
  const portFile = `${dir}/floor.port`;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${ROOT}bench/_floor_relay.ts`,
      `--ca=${caFile}`,
      `--port-file=${portFile}`,
    ],
    env: { BENCH_KEY: key },
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const port = await waitFor("floor relay", async () => {
    const text = await Deno.readTextFile(portFile);
    return /^\d+$/.test(text) ? text : undefined;
  });
  return {
    name: "floor",
    base: `http://127.0.0.1:${port}/v1`,
    headers: {},
    pid: child.pid,
    async close() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

/**
 * CPU time (user + system) of a process so far, in milliseconds.
 *
 * @param pid The process.
 * @returns Milliseconds (10 ms resolution).
 */
export function cpuMs(pid: number): number {
  const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1]!.split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14, 15)
  return ticks * 10; // USER_HZ = 100
}
