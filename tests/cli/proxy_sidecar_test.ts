/**
 * `airlock proxy` as a sidecar container's entrypoint, as a real process: it accepts
 * clients on `--listen`, advertises that address in the variables, answers `/healthz`,
 * copies its audit records to stderr with `--log`,
 * and on SIGTERM lets an open stream finish (health 503, no new connections) before it
 * exits 0 — or cuts it after `--drain-timeout`.
 */

import { deepStrictEqual as equal, match, ok, rejects } from "node:assert/strict";
import { createTestCa, type TestCa } from "../proxy/_support/test_ca.ts";
import { advertiseEnv, parseHostPort } from "../../src/cli/proxy_sidecar.ts";
import { REPO } from "../_cli.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

Deno.test("parseHostPort() refuses what is not HOST:PORT, with a usage error", () => {
  for (const bad of ["", "host", "host:", ":80", "host:99999", "a b:1", "[zz]:1"]) {
    try {
      parseHostPort("--listen", bad);
      ok(false, bad);
    } catch (err) {
      equal((err as { exitCode?: number }).exitCode, 2, bad);
      match((err as Error).message, /Cannot parse --listen: it must be HOST:PORT/);
    }
  }
  equal(parseHostPort("--listen", "0.0.0.0:8080"), { hostname: "0.0.0.0", port: 8080 });
});

Deno.test("advertiseEnv() rewrites every variable and keeps the base URLs off the proxy variables", () => {
  const env = advertiseEnv(
    {
      ANTHROPIC_BASE_URL: "http://127.0.0.1:41000/anthropic",
      HTTPS_PROXY: "http://airlock:tok@127.0.0.1:41000",
      NO_PROXY: "localhost,127.0.0.1",
      no_proxy: "localhost,127.0.0.1",
      OTHER: "http://127.0.0.1:41001/",
    },
    41000,
    "airlock-proxy",
    8080,
  );
  equal(env, {
    ANTHROPIC_BASE_URL: "http://airlock-proxy:8080/anthropic",
    HTTPS_PROXY: "http://airlock:tok@airlock-proxy:8080",
    NO_PROXY: "localhost,127.0.0.1,airlock-proxy",
    no_proxy: "localhost,127.0.0.1,airlock-proxy",
    OTHER: "http://127.0.0.1:41001/",
  });
});

/** A fake TLS upstream streaming `chunks` lines, one every `everyMs` (or forever). */
function slowUpstream(ca: TestCa, chunks: number, everyMs: number) {
  return Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: ca.certPem,
    key: ca.keyPem,
    onListen: () => {},
  }, () => {
    let i = 0;
    let timer: ReturnType<typeof setInterval>;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        timer = setInterval(() => {
          try {
            controller.enqueue(new TextEncoder().encode(`data: ${i}\n\n`));
            if (++i === chunks) {
              clearInterval(timer);
              controller.close();
            }
          } catch {
            clearInterval(timer);
          }
        }, everyMs);
      },
      cancel() {
        clearInterval(timer);
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  });
}

interface Sidecar {
  child: Deno.ChildProcess;
  info: {
    env: Record<string, string>;
    listenPort: number;
    healthPort: number;
    port: number;
  };
  stderr: Promise<string>;
  cleanup(): Promise<void>;
}

async function startSidecar(ca: TestCa, upstreamPort: number, extra: string[]): Promise<Sidecar> {
  const dir = await Deno.makeTempDir({ prefix: "airlock-sidecar-" });
  await Deno.writeTextFile(
    `${dir}/p.json`,
    JSON.stringify({
      extends: "default",
      routes: {
        fake: {
          upstream: `https://custom.test:${upstreamPort}`,
          token: { header: "authorization", format: "Bearer {}" },
          inject: { header: "authorization", format: "Bearer {}" },
          env: { FAKE_BASE_URL: "{base_url}", FAKE_API_KEY: "{token}" },
        },
      },
      credentials: { fake: "env:AIRLOCK_FAKE_KEY" },
    }),
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      `${REPO}main.ts`,
      "proxy",
      "-p",
      `${dir}/p.json`,
      "--resolve",
      `custom.test:${upstreamPort}:127.0.0.1`,
      "--upstream-ca",
      ca.caFile,
      "--listen",
      "127.0.0.1:0",
      "--advertise",
      "airlock-proxy",
      "--health",
      "127.0.0.1:0",
      "--json",
      ...extra,
    ],
    cwd: dir,
    env: { XDG_STATE_HOME: dir, AIRLOCK_FAKE_KEY: "sk-sidecar-real" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let line = "";
  while (!line.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`airlock proxy ended: ${await stderr}`);
    line += value;
  }
  reader.releaseLock();
  return {
    child,
    info: JSON.parse(line),
    stderr,
    async cleanup() {
      try {
        child.kill("SIGKILL");
      } catch { /* exited */ }
      await child.status;
      await child.stdout.cancel().catch(() => {});
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** The advertised base URL, pointed back at the relay on this machine. */
function viaRelay(s: Sidecar): string {
  return s.info.env.FAKE_BASE_URL!.replace("airlock-proxy:", "127.0.0.1:");
}

Deno.test({
  name: "airlock proxy --listen serves through the relay and advertises its address",
  ...opts,
  async fn() {
    const ca = await createTestCa();
    const up = slowUpstream(ca, 2, 5);
    const s = await startSidecar(ca, up.addr.port, ["--log"]);
    try {
      match(
        s.info.env.FAKE_BASE_URL!,
        new RegExp(`^http://airlock-proxy:${s.info.listenPort}/fake$`),
      );
      match(s.info.env.HTTPS_PROXY!, new RegExp(`@airlock-proxy:${s.info.listenPort}$`));
      ok(s.info.env.NO_PROXY!.split(",").includes("airlock-proxy"));
      ok(s.info.listenPort !== s.info.port);
      const res = await fetch(`${viaRelay(s)}/v1/stream`, {
        headers: { authorization: `Bearer ${s.info.env.FAKE_API_KEY}` },
      });
      equal(res.status, 200);
      equal(await res.text(), "data: 0\n\ndata: 1\n\n");
      const bad = await fetch(`${viaRelay(s)}/v1/stream`, {
        headers: { authorization: "Bearer sk-wrong" },
      });
      await bad.body?.cancel();
      equal(bad.status, 401, "the relay reaches only the proxy, which checks every token");
      const health = await fetch(`http://127.0.0.1:${s.info.healthPort}/healthz`);
      equal([health.status, await health.json()], [200, { ok: true }]);
      const other = await fetch(`http://127.0.0.1:${s.info.healthPort}/`);
      await other.body?.cancel();
      equal(other.status, 404);
      // --log: each audit record reaches stderr as one JSON line, without secrets.
      s.child.kill("SIGTERM");
      equal((await s.child.status).code, 0);
      const records = (await s.stderr).split("\n").filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l)).filter((r) => r.kind !== "seal");
      equal(
        records.map((r) => [r.route, r.status, r.decision]),
        [["fake", 200, "allowed"], ["fake", 401, "denied-token"]],
      );
      ok(!(await s.stderr).includes("sk-sidecar-real"));
      ok(!(await s.stderr).includes(s.info.env.FAKE_API_KEY!), "no phantom token either");
    } finally {
      await s.cleanup();
      await up.shutdown();
      await Deno.remove(ca.dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "airlock proxy drains an open stream on SIGTERM, refusing new work, then exits 0",
  ...opts,
  async fn() {
    const ca = await createTestCa();
    const up = slowUpstream(ca, 12, 100); // ≈ 1.2 s of stream
    const s = await startSidecar(ca, up.addr.port, ["--drain-timeout", "20"]);
    try {
      const res = await fetch(`${viaRelay(s)}/v1/stream`, {
        headers: { authorization: `Bearer ${s.info.env.FAKE_API_KEY}` },
      });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = (await reader.read()).value ?? "";
      s.child.kill("SIGTERM");
      // Draining: health says so, and the relay takes no new connection.
      let health = 0;
      for (let i = 0; i < 40 && health !== 503; i++) {
        health = await fetch(`http://127.0.0.1:${s.info.healthPort}/healthz`)
          .then(async (r) => (await r.body?.cancel(), r.status), () => 0);
        if (health !== 503) await new Promise((ok) => setTimeout(ok, 25));
      }
      equal(health, 503);
      await rejects(Deno.connect({ hostname: "127.0.0.1", port: s.info.listenPort }));
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      equal(text.match(/^data: \d+$/gm)?.length, 12, "the whole stream arrived");
      const status = await s.child.status;
      equal(status.code, 0);
      const log = await s.stderr;
      match(log, /stopping: draining open requests \(up to 20 s\)/);
      match(log, /proxy stopped/);
      ok(!log.includes("sk-sidecar-real"));
    } finally {
      await s.cleanup();
      await up.shutdown();
      await Deno.remove(ca.dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "airlock proxy cuts a stream that outlives --drain-timeout and still exits 0",
  ...opts,
  async fn() {
    const ca = await createTestCa();
    const up = slowUpstream(ca, 1_000_000, 200); // never ends in time
    const s = await startSidecar(ca, up.addr.port, ["--drain-timeout", "1"]);
    try {
      const res = await fetch(`${viaRelay(s)}/v1/stream`, {
        headers: { authorization: `Bearer ${s.info.env.FAKE_API_KEY}` },
      });
      const reader = res.body!.getReader();
      await reader.read();
      const started = performance.now();
      s.child.kill("SIGTERM");
      const status = await s.child.status;
      const took = performance.now() - started;
      equal(status.code, 0);
      ok(took >= 900, `it waited for the drain (${took.toFixed(0)} ms)`);
      await reader.cancel().catch(() => {});
    } finally {
      await s.cleanup();
      await up.shutdown();
      await Deno.remove(ca.dir, { recursive: true });
    }
  },
});
