/**
 * Smoke test of one airlock executable, run by the release workflow on each target's own
 * runner before anything is published, and by the test suite here against
 * `deno run -A main.ts` and against a layout of the embedded set:
 *
 * 1. `--version` names the expected version (and `build: compiled binary` with
 *    `--compiled`);
 * 2. `doctor` exits 0;
 * 3. a confined `/bin/true` exits 0;
 * 4. a confined `cat ~/.ssh/id_ed25519` is denied (non-zero, the key's bytes nowhere);
 * 5. `airlock proxy` answers a phantom-token request: a custom route to a fake TLS
 *    upstream on 127.0.0.1 (`--resolve`, `--upstream-ca`); the upstream sees the real
 *    key, the client never does, a wrong token gets 401; the health endpoint answers;
 *    SIGTERM stops it with exit 0.
 *
 * ```sh
 * deno run -A scripts/smoke.ts [--compiled] -- ./dist/airlock-x86_64-linux
 * deno run -A scripts/smoke.ts -- deno run -A main.ts
 * ```
 *
 * Needs `openssl` (the fake upstream's certificate). Exits 1 naming the first failed step.
 *
 * @module
 */

import { createTestCa } from "../tests/proxy/_support/test_ca.ts";
import { VERSION } from "../src/version.ts";

/** Options of {@linkcode smoke}. */
export interface SmokeOptions {
  /** Expect a compiled binary (`--version` says so). */
  compiled?: boolean;
  /** Extra environment for every airlock run (e.g. `DENO_DIR`). */
  env?: Record<string, string>;
  /** Working directory for every run (default: a fresh empty directory). */
  cwd?: string;
  /** Prints each step as it passes. */
  log?: (line: string) => void;
}

/** A failed smoke step. */
export class SmokeError extends Error {
  /**
   * @param step The step's name.
   * @param detail What went wrong.
   */
  constructor(step: string, detail: string) {
    super(`smoke: ${step}: ${detail}`);
    this.name = "SmokeError";
  }
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

const decoder = new TextDecoder();

async function wait(ms: number): Promise<void> {
  await new Promise((done) => setTimeout(done, ms));
}

/**
 * Runs every step against one airlock command line.
 *
 * Requires `-A`.
 *
 * @param airlock The command that runs airlock (`["./airlock"]`, `["deno", "run", "-A", "main.ts"]`).
 * @param options Expectations, environment, logging.
 * @throws {SmokeError} Naming the first step that failed.
 */
export async function smoke(airlock: readonly string[], options: SmokeOptions = {}): Promise<void> {
  const log = options.log ?? (() => {});
  // Not under $TMPDIR or /tmp: the default profile grants those, and a grant may not
  // contain the fake ~/.ssh (a protected path).
  const root = await Deno.realPath(
    await Deno.makeTempDir({ dir: "/var/tmp", prefix: "airlock-smoke-" }),
  );
  const home = `${root}/home`;
  const cwd = options.cwd ?? `${root}/work`;
  await Deno.mkdir(`${home}/.ssh`, { recursive: true, mode: 0o700 });
  await Deno.mkdir(cwd, { recursive: true });
  const marker = crypto.randomUUID();
  const secretKey = `-----BEGIN OPENSSH PRIVATE KEY----- ${marker}`;
  await Deno.writeTextFile(`${home}/.ssh/id_ed25519`, secretKey, { mode: 0o600 });
  const env = {
    HOME: home,
    XDG_STATE_HOME: `${root}/state`,
    XDG_CONFIG_HOME: `${home}/.config`,
    // A `deno run` airlock finds its module cache under the real HOME, not the fake one.
    DENO_DIR: Deno.env.get("DENO_DIR") ?? await denoDir(),
    ...options.env,
  };
  const [program, ...prefix] = airlock;
  const run = async (args: string[], extra: Record<string, string> = {}): Promise<Ran> => {
    const out = await new Deno.Command(program!, {
      args: [...prefix, ...args],
      cwd,
      env: { ...env, ...extra },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    return {
      code: out.code,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
    };
  };
  const expect = (step: string, ok: boolean, r: Ran | string) => {
    if (!ok) {
      const detail = typeof r === "string"
        ? r
        : `exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
      throw new SmokeError(step, detail);
    }
    log(`ok  ${step}`);
  };
  try {
    const version = await run(["--version"]);
    expect(
      "--version",
      version.code === 0 && version.stdout.startsWith(`airlock ${VERSION}\n`) &&
        (!options.compiled || version.stdout.includes("build: compiled binary")),
      version,
    );
    const doctor = await run(["doctor"]);
    expect("doctor", doctor.code === 0, doctor);
    const confined = await run(["run", "--net", "none", "--", "/bin/true"]);
    expect("confined /bin/true", confined.code === 0, confined);
    const denied = await run(["run", "--net", "none", "--", "cat", `${home}/.ssh/id_ed25519`]);
    expect(
      "denied read of ~/.ssh",
      denied.code !== 0 && !denied.stdout.includes(marker) && !denied.stderr.includes(marker),
      denied,
    );
    await proxyStep(airlock, { cwd, env, root, log, expect });
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
}

interface ProxyStepContext {
  cwd: string;
  env: Record<string, string>;
  root: string;
  log: (line: string) => void;
  expect: (step: string, ok: boolean, r: Ran | string) => void;
}

async function proxyStep(
  airlock: readonly string[],
  ctx: ProxyStepContext,
): Promise<void> {
  const realKey = `sk-smoke-real-${crypto.randomUUID()}`;
  const ca = await createTestCa();
  let seen = "";
  const upstream = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: ca.certPem,
    key: ca.keyPem,
    onListen: () => {},
  }, (req) => {
    seen = req.headers.get("authorization") ?? "";
    const ok = seen === `Bearer ${realKey}`;
    return Response.json({ ok, path: new URL(req.url).pathname }, { status: ok ? 200 : 403 });
  });
  const port = upstream.addr.port;
  const profile = `${ctx.root}/smoke-profile.json`;
  await Deno.writeTextFile(
    profile,
    JSON.stringify({
      extends: "default",
      routes: {
        smoke: {
          upstream: `https://custom.test:${port}/v1`,
          token: { header: "authorization", format: "Bearer {}" },
          inject: { header: "authorization", format: "Bearer {}" },
          env: { SMOKE_BASE_URL: "{base_url}", SMOKE_API_KEY: "{token}" },
          token_prefix: "sk-smoke-",
        },
      },
      credentials: { smoke: "env:AIRLOCK_SMOKE_KEY" },
    }),
  );
  const envFile = `${ctx.root}/proxy.env`;
  const healthPort = freePort();
  const [program, ...prefix] = airlock;
  const child = new Deno.Command(program!, {
    args: [
      ...prefix,
      "proxy",
      "--profile",
      profile,
      "--resolve",
      `custom.test:${port}:127.0.0.1`,
      "--upstream-ca",
      ca.caFile,
      "--env-file",
      envFile,
      "--health",
      `127.0.0.1:${healthPort}`,
    ],
    cwd: ctx.cwd,
    env: { ...ctx.env, AIRLOCK_SMOKE_KEY: realKey },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = new Response(child.stdout).text();
  const stderr = new Response(child.stderr).text();
  const fail = async (step: string, detail: string) => {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
    ctx.expect(step, false, `${detail}\n--- stderr\n${await stderr}`);
  };
  try {
    let text = "";
    for (let i = 0; i < 600 && !text; i++) {
      text = await Deno.readTextFile(envFile).catch(() => "");
      if (!text) await wait(50);
    }
    if (!text) return await fail("proxy start", "no --env-file within 30 s");
    const vars = parseEnvFile(text);
    const base = vars.SMOKE_BASE_URL;
    const token = vars.SMOKE_API_KEY;
    if (!base || !token?.startsWith("sk-smoke-") || text.includes(realKey)) {
      return await fail("proxy variables", `unexpected --env-file:\n${text}`);
    }
    const good = await fetch(`${base}/models`, { headers: { authorization: `Bearer ${token}` } });
    const body = await good.text();
    if (good.status !== 200 || !seen.includes(realKey) || body.includes(realKey)) {
      return await fail("phantom-token request", `status ${good.status}, body ${body}`);
    }
    ctx.log("ok  proxy swaps the phantom token for the key");
    const bad = await fetch(`${base}/models`, { headers: { authorization: "Bearer sk-smoke-x" } });
    await bad.body?.cancel();
    if (bad.status !== 401) return await fail("wrong token", `status ${bad.status}, not 401`);
    ctx.log("ok  proxy refuses a wrong token");
    const h = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
    const hb = await h.text();
    if (h.status !== 200) return await fail("health", `status ${h.status}: ${hb}`);
    ctx.log("ok  proxy health endpoint");
    child.kill("SIGTERM");
    const status = await child.status;
    const out = await stdout;
    const err = await stderr;
    if (status.code !== 0 || out.includes(realKey) || err.includes(realKey)) {
      ctx.expect("proxy SIGTERM", false, `exit ${status.code}\n${err}`);
    }
    ctx.log("ok  proxy exits 0 on SIGTERM");
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* exited */ }
    await child.status;
    await upstream.shutdown();
    await Deno.remove(ca.dir, { recursive: true }).catch(() => {});
  }
}

async function denoDir(): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
    .output();
  return JSON.parse(decoder.decode(out.stdout)).denoDir;
}

/**
 * Makes the relative paths of a command line absolute (the steps run in other
 * directories): the program when it contains a slash, and each argument naming an
 * existing file.
 *
 * @param argv The command line.
 * @returns The command line with absolute paths.
 */
export function absoluteCommand(argv: readonly string[]): string[] {
  return argv.map((arg, i) => {
    if (arg.startsWith("/") || arg.startsWith("-")) return arg;
    if (i === 0 && !arg.includes("/")) return arg;
    try {
      return Deno.statSync(arg).isFile ? Deno.realPathSync(arg) : arg;
    } catch {
      return arg;
    }
  });
}

/** A port that was free a moment ago (the health endpoint's). */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/**
 * Parses `KEY='value'` lines (as `airlock proxy --env-file` writes them).
 *
 * @param text The file's text.
 * @returns The variables.
 * @example
 * ```ts
 * import { parseEnvFile } from "./smoke.ts";
 * console.assert(parseEnvFile("A='b'\\nC='it'\\\\''s'\\n").C === "it's");
 * ```
 */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)='(.*)'$/.exec(line);
    if (m) out[m[1]!] = m[2]!.replaceAll(`'\\''`, "'");
  }
  return out;
}

if (import.meta.main) {
  const separator = Deno.args.indexOf("--");
  const flags = separator < 0 ? Deno.args : Deno.args.slice(0, separator);
  const airlock = separator < 0 ? [] : Deno.args.slice(separator + 1);
  if (airlock.length === 0) {
    console.error("usage: deno run -A scripts/smoke.ts [--compiled] -- AIRLOCK_COMMAND…");
    Deno.exit(2);
  }
  try {
    await smoke(absoluteCommand(airlock), {
      compiled: flags.includes("--compiled"),
      log: console.log,
    });
    console.log("smoke: all steps passed");
  } catch (err) {
    console.error(err instanceof SmokeError ? err.message : err);
    Deno.exit(1);
  }
}
