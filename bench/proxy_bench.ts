/**
 * Proxy benchmark: the same fake TLS upstream reached five ways in one invocation —
 * directly; through the **floor** of the fixed design (`bench/_floor_relay.ts`: a bare
 * `Deno.serve` → `fetch` relay in its own process, the least a proxy built this way can
 * cost); through airlock's proxy (`deno run -A main.ts proxy …` in a subprocess) by its
 * base URL and **intercepted** (as `HTTPS_PROXY`, TLS terminated with the session CA);
 * and through nginx (Debian package; generated reverse-proxy config that injects the
 * header, run from a temporary directory, not daemonised), the limit. Issue 11's goals are
 * ratios to the floor: added latency ≤ 1.3×, req/s ≥ 0.8×, intercepted p50 ≤ 2× base URL.
 *
 * Measures p50/p99 latency at 1 connection, requests/s at 32 connections, per-chunk
 * latency of a 100-chunk SSE stream, and airlock's peak RSS (VmHWM) while serving 200
 * concurrent streams; prints ratios against the goals of issue 4. Loopback only, bounded
 * loops. Needs root (the upstream listens on 127.0.0.1:443 so the built-in `openai`
 * route can be pinned with `--resolve api.openai.com:443:127.0.0.1`).
 *
 * V8 flags: airlock's compiled binaries carry the `--v8-flags=…` of the `compile:*` tasks in
 * `deno.json`, which `deno run -A main.ts` does not get. The airlock process is started with
 * exactly those flags (none when the tasks have none), and the report says so. To measure
 * other flags, `--compare-v8-flags=FLAGS` adds a second airlock process started with them,
 * measured in the same invocation and labelled as what users do not get.
 *
 * The cost of issue 10's hardening (request validation, limits, the audit chain, the SOCKS
 * hop): the same benchmark runs against the proxy as it was before it (`--baseline-ref`,
 * default a34c360, checked out into a temporary git worktree) and as it is, alternating
 * the two for `--rounds` rounds (default 3) in the same invocation, and prints the ratios
 * of the medians (goal: within 5 % for p50 and req/s). `--no-baseline` skips it.
 *
 * Usage: deno run -A bench/proxy_bench.ts [--quick] [--compare-v8-flags=FLAGS]
 *   [--baseline-ref=REF | --no-baseline] [--rounds=N]
 *
 * @module
 */

import { createTestCa } from "../tests/proxy/_support/test_ca.ts";
import {
  compiledV8Flags,
  cpuMs,
  interceptedTarget,
  startAirlock,
  startFloor,
  type Target,
  waitFor,
} from "./_airlock_proxy.ts";

const QUICK = Deno.args.includes("--quick");
const COMPARE_FLAGS = Deno.args.find((a) => a.startsWith("--compare-v8-flags="))
  ?.slice("--compare-v8-flags=".length);
const BASELINE_REF = Deno.args.includes("--no-baseline")
  ? undefined
  : Deno.args.find((a) => a.startsWith("--baseline-ref="))?.slice("--baseline-ref=".length) ??
    "a34c360";
const ROUNDS = Number(
  Deno.args.find((a) => a.startsWith("--rounds="))?.slice("--rounds=".length) ?? 3,
);
const SEQ_REQUESTS = QUICK ? 200 : 1000;
const PAR_REQUESTS = QUICK ? 1000 : 4000;
const PAR_CONNECTIONS = 32;
const SSE_CHUNKS = 100;
const SSE_GAP_MS = 2;
const RSS_STREAMS = 200;
const KEY = "sk-bench-real-key";
const ROOT = new URL("..", import.meta.url).pathname;
const enc = new TextEncoder();

function now(): number {
  return performance.timeOrigin + performance.now();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

// ---------------------------------------------------------------- upstream

function startUpstream(cert: string, key: string): Deno.HttpServer {
  const small = JSON.stringify({ id: "x", object: "chat.completion", choices: [{ text: "hi" }] });
  return Deno.serve({ hostname: "127.0.0.1", port: 443, cert, key, onListen: () => {} }, (req) => {
    const url = new URL(req.url);
    if (req.headers.get("authorization") !== `Bearer ${KEY}`) {
      return new Response("no key", { status: 401 });
    }
    if (url.pathname.endsWith("/sse")) {
      const n = Number(url.searchParams.get("n") ?? SSE_CHUNKS);
      const gap = Number(url.searchParams.get("gap") ?? SSE_GAP_MS);
      let i = 0;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          const tick = () => {
            if (i >= n) return c.close();
            c.enqueue(enc.encode(`data: ${i++} ${now()}\n\n`));
            timer = setTimeout(tick, gap);
          };
          tick();
        },
        cancel() {
          clearTimeout(timer);
        },
      });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    }
    return new Response(small, { headers: { "content-type": "application/json" } });
  });
}

// ---------------------------------------------------------------- targets

/**
 * Checks out `ref` into a temporary worktree (sharing this checkout's node_modules), or
 * returns undefined when git or the ref is missing.
 */
async function baselineTree(ref: string, dir: string): Promise<string | undefined> {
  const tree = `${dir}/baseline`;
  const out = await new Deno.Command("git", {
    args: ["-C", ROOT, "worktree", "add", "--detach", tree, ref],
    stdout: "null",
    stderr: "piped",
  }).output().catch(() => null);
  if (!out?.success) {
    console.error(`proxy_bench: cannot check out ${ref}; measuring without a baseline`);
    return undefined;
  }
  await Deno.symlink(`${ROOT}node_modules`, `${tree}/node_modules`).catch(() => {});
  return `${tree}/`;
}

async function removeBaselineTree(tree: string): Promise<void> {
  await new Deno.Command("git", {
    args: ["-C", ROOT, "worktree", "remove", "--force", tree],
    stdout: "null",
    stderr: "null",
  }).output().catch(() => {});
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function startNginx(caFile: string, dir: string): Promise<Target | null> {
  const nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  });
  if (!nginx) return null;
  const port = freePort();
  await Deno.mkdir(`${dir}/nginx/logs`, { recursive: true });
  const conf = `${dir}/nginx/nginx.conf`;
  await Deno.writeTextFile(
    conf,
    `# Generated by bench/proxy_bench.ts: a reverse proxy injecting the header, like airlock.
${Deno.uid() === 0 ? "user root;" : ""}
worker_processes 1;
daemon off;
pid ${dir}/nginx/nginx.pid;
error_log ${dir}/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/nginx/body;
  proxy_temp_path ${dir}/nginx/proxy;
  fastcgi_temp_path ${dir}/nginx/fastcgi;
  uwsgi_temp_path ${dir}/nginx/uwsgi;
  scgi_temp_path ${dir}/nginx/scgi;
  upstream openai { server 127.0.0.1:443; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    location /openai/ {
      proxy_pass https://openai/;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host api.openai.com;
      proxy_set_header Authorization "Bearer ${KEY}";
      proxy_ssl_server_name on;
      proxy_ssl_name api.openai.com;
      proxy_ssl_verify on;
      proxy_ssl_trusted_certificate ${caFile};
      proxy_ssl_session_reuse on;
      proxy_buffering off;
    }
  }
}
`,
  );
  const child = new Deno.Command(nginx, {
    args: ["-p", `${dir}/nginx`, "-c", conf],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const base = `http://127.0.0.1:${port}/openai/v1`;
  await waitFor("nginx", async () => {
    const r = await fetch(`${base}/small`);
    await r.body?.cancel();
    return r.ok ? true : undefined;
  });
  return {
    name: "nginx",
    base,
    headers: {},
    async close() {
      child.kill("SIGTERM");
      await child.status;
      await child.stderr.cancel();
    },
  };
}

// ---------------------------------------------------------------- measures

async function get(t: Target, path: string): Promise<void> {
  const res = await fetch(`${t.base}${path}`, {
    headers: t.headers,
    ...(t.client ? { client: t.client } : {}),
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${t.name}: status ${res.status}`);
}

async function latency(t: Target): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 50; i++) await get(t, "/small");
  const times: number[] = [];
  for (let i = 0; i < SEQ_REQUESTS; i++) {
    const s = performance.now();
    await get(t, "/small");
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

async function throughput(t: Target): Promise<number> {
  let next = 0;
  const worker = async () => {
    while (next < PAR_REQUESTS) {
      next++;
      await get(t, "/small");
    }
  };
  await Promise.all(Array.from({ length: PAR_CONNECTIONS }, worker)); // warm-up pool
  next = 0;
  const s = performance.now();
  await Promise.all(Array.from({ length: PAR_CONNECTIONS }, worker));
  return PAR_REQUESTS / ((performance.now() - s) / 1000);
}

async function sseChunkLatency(t: Target): Promise<number> {
  const res = await fetch(`${t.base}/sse?n=${SSE_CHUNKS}&gap=${SSE_GAP_MS}`, {
    headers: t.headers,
    ...(t.client ? { client: t.client } : {}),
  });
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const delays: number[] = [];
  let buf = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const at = now();
    buf += value;
    let i;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const event = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const sent = Number(event.split(" ")[2]);
      delays.push(at - sent);
    }
  }
  if (delays.length !== SSE_CHUNKS) throw new Error(`${t.name}: got ${delays.length} chunks`);
  delays.sort((a, b) => a - b);
  return percentile(delays, 0.5);
}

function procStatusMb(pid: number, field: "VmHWM" | "VmRSS"): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

async function peakRss(t: Target): Promise<number> {
  const streams = Array.from({ length: RSS_STREAMS }, async () => {
    const res = await fetch(`${t.base}/sse?n=${SSE_CHUNKS}&gap=10`, { headers: t.headers });
    await res.arrayBuffer();
  });
  await Promise.all(streams);
  return procStatusMb(t.pid!, "VmHWM");
}

// ---------------------------------------------------------------- main

function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : "n/a";
}

async function main(): Promise<void> {
  for (const k of ["HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"]) Deno.env.delete(k);
  const ca = await createTestCa();
  // Not under /tmp: the default profile grants /tmp, which may not contain the state directory.
  const dir = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "airlock-bench-" });
  let upstream: Deno.HttpServer;
  try {
    upstream = startUpstream(ca.certPem, ca.keyPem);
  } catch (err) {
    console.error(
      `proxy_bench: cannot listen on 127.0.0.1:443 (${(err as Error).name}); run as root`,
    );
    Deno.exit(1);
  }
  const directClient = Deno.createHttpClient({ caCerts: [ca.caPem] });
  const targets: Target[] = [{
    name: "direct",
    base: "https://127.0.0.1:443/v1",
    headers: { authorization: `Bearer ${KEY}` },
    client: directClient,
    close: () => Promise.resolve(),
  }];
  const binaryFlags = compiledV8Flags();
  const airlocks = [await startAirlock(KEY, ca.caFile, dir, "airlock", binaryFlags)];
  if (COMPARE_FLAGS !== undefined) {
    airlocks.push(await startAirlock(KEY, ca.caFile, dir, "airlock*", COMPARE_FLAGS));
  }
  const idleRss = airlocks.map((a) => procStatusMb(a.pid!, "VmRSS"));
  const tree = BASELINE_REF ? await baselineTree(BASELINE_REF, dir) : undefined;
  const floor = await startFloor(KEY, ca.caFile, dir);
  const intercepted = interceptedTarget(airlocks[0]!, "intercept");
  targets.push(floor, ...airlocks, intercepted);
  const nginx = await startNginx(ca.caFile, dir);
  if (nginx) targets.push(nginx);
  else console.error("proxy_bench: nginx not found; comparing with direct only");

  const results: Record<string, { p50: number; p99: number; rps: number; chunk: number }> = {};
  try {
    // The hardening's cost: the proxy before it and now, two fresh processes started
    // together and measured alternately, first (the 200-stream phase below leaves
    // the machine's loopback and the processes' heaps loaded), medians of rounds.
    const rounds: Record<string, { p50: number[]; rps: number[]; cpu: number[] }> = {
      baseline: { p50: [], rps: [], cpu: [] },
      now: { p50: [], rps: [], cpu: [] },
    };
    const pair = tree
      ? await Promise.all([
        startAirlock(KEY, ca.caFile, dir, "now", binaryFlags),
        startAirlock(KEY, ca.caFile, dir, "baseline", binaryFlags, tree),
      ])
      : [];
    try {
      for (let i = 0; i < (tree ? ROUNDS : 0); i++) {
        for (const t of i % 2 === 0 ? pair : [...pair].reverse()) {
          const lat = await latency(t);
          rounds[t.name]!.p50.push(lat.p50);
          const before = cpuMs(t.pid!);
          rounds[t.name]!.rps.push(await throughput(t));
          // throughput() sends PAR_REQUESTS twice (warm-up, then measured).
          rounds[t.name]!.cpu.push((cpuMs(t.pid!) - before) * 1000 / (2 * PAR_REQUESTS));
        }
      }
    } finally {
      for (const t of pair) await t.close();
    }

    for (const t of targets) {
      const lat = await latency(t);
      const rps = await throughput(t);
      const chunk = await sseChunkLatency(t);
      results[t.name] = { ...lat, rps, chunk };
    }
    const rss: number[] = [];
    for (const a of airlocks) rss.push(await peakRss(a));
    console.log(`proxy benchmark (${QUICK ? "quick" : "full"}; loopback, TLS upstream)`);
    console.log(
      binaryFlags
        ? `airlock runs with the compiled binary's V8 flags (scripts/build.ts V8_FLAGS): ${binaryFlags}`
        : "airlock runs without V8 flags, like the compiled binary (scripts/build.ts V8_FLAGS is empty)",
    );
    if (COMPARE_FLAGS !== undefined) {
      console.log(
        `airlock* runs with --v8-flags=${COMPARE_FLAGS}: an experiment, not what users get`,
      );
    }
    console.log("target    p50 ms   p99 ms   req/s (32 conn)   SSE chunk p50 ms");
    for (const [name, r] of Object.entries(results)) {
      console.log(
        `${name.padEnd(8)}  ${fmt(r.p50).padStart(6)}   ${fmt(r.p99).padStart(6)}   ${
          fmt(r.rps, 0).padStart(15)
        }   ${fmt(r.chunk).padStart(16)}`,
      );
    }
    if (tree) {
      const b = rounds.baseline!;
      const n = rounds.now!;
      console.log(
        `hardening cost (airlock now vs ${BASELINE_REF}, medians of ${ROUNDS} alternating rounds):`,
      );
      console.log(
        `  p50 ${fmt(median(n.p50))} ms vs ${fmt(median(b.p50))} ms: ratio ${
          fmt(median(n.p50) / median(b.p50), 3)
        } (goal <= 1.05); rounds now ${n.p50.map((x) => fmt(x)).join(", ")}, before ${
          b.p50.map((x) => fmt(x)).join(", ")
        }`,
      );
      console.log(
        `  proxy CPU per request at 32 connections ${fmt(median(n.cpu), 0)} µs vs ${
          fmt(median(b.cpu), 0)
        } µs: ratio ${
          fmt(median(n.cpu) / median(b.cpu), 3)
        } (less sensitive to other load than req/s)`,
      );
      console.log(
        `  req/s ${fmt(median(n.rps), 0)} vs ${fmt(median(b.rps), 0)}: ratio ${
          fmt(median(n.rps) / median(b.rps), 3)
        } (goal >= 0.95); rounds now ${n.rps.map((x) => fmt(x, 0)).join(", ")}, before ${
          b.rps.map((x) => fmt(x, 0)).join(", ")
        }`,
      );
    }
    const d = results.direct!;
    const a = results.airlock!;
    const f = results.floor!;
    const x = results.intercept!;
    const addedA = a.p50 - d.p50;
    const addedF = f.p50 - d.p50;
    console.log(
      `added p50 latency: floor ${fmt(addedF)} ms, airlock ${fmt(addedA)} ms, intercepted ${
        fmt(x.p50 - d.p50)
      } ms`,
    );
    console.log(`ratio added latency airlock/floor: ${fmt(addedA / addedF)} (goal <= 1.3)`);
    console.log(`ratio req/s airlock/floor: ${fmt(a.rps / f.rps)} (goal >= 0.8)`);
    console.log(`ratio req/s intercepted/floor: ${fmt(x.rps / f.rps)}`);
    console.log(`ratio p50 intercepted/base URL: ${fmt(x.p50 / a.p50)} (goal <= 2)`);
    console.log(`airlock added per SSE chunk: ${fmt(a.chunk - d.chunk)} ms (goal <= 1 ms)`);
    for (const [i, a] of airlocks.entries()) {
      console.log(
        `${a.name} peak RSS with ${RSS_STREAMS} concurrent streams: ${
          fmt(rss[i]!, 1)
        } MB (goal <= 80 MB; ${fmt(idleRss[i]!, 1)} MB right after start-up)`,
      );
    }
    if (results.nginx) {
      const n = results.nginx;
      const addedN = n.p50 - d.p50;
      console.log(`nginx added p50 latency: ${fmt(addedN)} ms`);
      console.log(
        addedN > 0.05
          ? `ratio added latency airlock/nginx: ${fmt(addedA / addedN)} (goal <= 1.2)`
          : "ratio added latency airlock/nginx: n/a (nginx adds no measurable latency over direct TLS)",
      );
      console.log(`ratio p50 latency airlock/nginx: ${fmt(a.p50 / n.p50)}`);
      console.log(`ratio p99 airlock/nginx: ${fmt(a.p99 / n.p99)}`);
      console.log(`ratio req/s airlock/nginx: ${fmt(a.rps / n.rps)} (goal >= 0.8)`);
      const star = results["airlock*"];
      if (star) {
        console.log(
          `airlock* added p50 latency: ${fmt(star.p50 - d.p50)} ms; req/s ratio to nginx: ${
            fmt(star.rps / n.rps)
          }`,
        );
      }
    }
  } finally {
    if (tree) await removeBaselineTree(tree.slice(0, -1));
    for (const t of targets) await t.close();
    directClient.close();
    await upstream.shutdown();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.remove(ca.dir, { recursive: true }).catch(() => {});
  }
}

await main();
