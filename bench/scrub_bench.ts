/**
 * Response scrubbing's CPU per streamed MB, against the relay that carries it, in one
 * invocation, two ways:
 *
 * - **session**: `airlock proxy` (a subprocess, as users run it) relays an SSE body of
 *   16 KiB chunks from a fake TLS upstream on 127.0.0.1:443 to a reading client; its CPU
 *   per MB is read from `/proc`. The same chunks then go through a `StreamScrubber` alone,
 *   in this process. The scrubber's share is its time over the session's time without it
 *   (session minus scrubber).
 * - **in process**: the proxy app (`buildProxyApp`) relays the same body from a stub
 *   upstream with no TLS and no sockets, so its relay cost is the lowest it can be and the
 *   share an upper bound.
 *
 * Goal (issue 11): scrubbing ≤ 5 % more CPU per streamed MB. Needs root (port 443).
 *
 * Usage: deno run -A bench/scrub_bench.ts [--quick]
 *
 * @module
 */

import process from "node:process";
import { createTestCa } from "../tests/proxy/_support/test_ca.ts";
import { compiledV8Flags, cpuMs as processCpuMs, startAirlock } from "./_airlock_proxy.ts";
import { buildProxyApp } from "../src/proxy/app.ts";
import { BUILTIN_ROUTES } from "../src/proxy/routes.ts";
import { secretForms } from "../src/proxy/scrub/secret_forms.ts";
import { StreamScrubber } from "../src/proxy/scrub/scrubber.ts";
import { UsageMeter } from "../src/proxy/token_limits/usage_meter.ts";

const QUICK = Deno.args.includes("--quick");
const MB = QUICK ? 32 : 128;
const CHUNK = 16 * 1024;
const ROUNDS = 5;
const enc = new TextEncoder();
const SECRET = "sk-proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z".repeat(2);
const TOKEN = "sk-proj-airlock-" + "0123456789abcdef".repeat(3);

/** SSE-like text without the secret (the common case the relay must not slow down). */
function chunks(): Uint8Array[] {
  const event = 'data: {"choices":[{"delta":{"content":"lorem ipsum dolor sit amet"}}]}\n\n';
  const one = enc.encode(event.repeat(Math.ceil(CHUNK / event.length)).slice(0, CHUNK));
  return Array.from({ length: (MB * 1024 * 1024) / CHUNK }, () => one);
}

/** CPU time (user + system) of this process so far, in milliseconds. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function relay(data: Uint8Array[]): Promise<number> {
  const spec = BUILTIN_ROUTES.openai!;
  const app = buildProxyApp({
    routes: new Map([["openai", { spec, token: TOKEN, secret: enc.encode(SECRET) }]]),
    upstreamFetch: () => {
      let i = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          if (i >= data.length) return c.close();
          c.enqueue(data[i++]!.slice());
        },
      });
      return Promise.resolve(
        new Response(body, { headers: { "content-type": "text/event-stream" } }),
      );
    },
    audit: () => {},
  });
  const start = cpuMs();
  const res = await app.request("/openai/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: "{}",
  });
  const reader = res.body!.getReader();
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.byteLength;
  }
  if (n !== data.length * CHUNK) throw new Error(`relayed ${n} bytes`);
  return cpuMs() - start;
}

function scrubOnly(data: Uint8Array[]): number {
  const s = new StreamScrubber(secretForms(enc.encode(SECRET), TOKEN));
  const start = cpuMs();
  let n = 0;
  for (const c of data) n += s.push(c).byteLength;
  n += s.flush().byteLength;
  if (n !== data.length * CHUNK) throw new Error(`scrubbed ${n} bytes`);
  return cpuMs() - start;
}

/** The usage meter alone (it reads the same bytes for `max_tokens` and the audit's usage). */
function meterOnly(data: Uint8Array[]): number {
  const m = new UsageMeter("openai", "text/event-stream");
  const start = cpuMs();
  for (const c of data) m.push(c);
  m.end();
  return cpuMs() - start;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Streams `data` over TLS on 127.0.0.1:443 to requests carrying `key`. */
function startUpstream(data: Uint8Array[], key: string, cert: string, pem: string) {
  return Deno.serve(
    { hostname: "127.0.0.1", port: 443, cert, key: pem, onListen: () => {} },
    (req) => {
      if (req.headers.get("authorization") !== `Bearer ${key}`) {
        return new Response("no key", { status: 401 });
      }
      let i = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          if (i >= data.length) return c.close();
          c.enqueue(data[i++]!);
        },
      });
      return new Response(body, { headers: { "content-type": "text/event-stream" } });
    },
  );
}

/** The session proxy's CPU (ms) to relay `data` once, read from `/proc`. */
async function sessionRelay(
  target: { base: string; headers: Record<string, string>; pid?: number },
  bytes: number,
): Promise<number> {
  const before = processCpuMs(target.pid!);
  const res = await fetch(`${target.base}/chat/completions`, {
    method: "POST",
    headers: { ...target.headers, "content-type": "application/json" },
    body: "{}",
  });
  if (res.status !== 200) throw new Error(`session relay answered ${res.status}`);
  const reader = res.body!.getReader();
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.byteLength;
  }
  if (n !== bytes) throw new Error(`session relayed ${n} bytes, not ${bytes}`);
  return processCpuMs(target.pid!) - before;
}

async function measureSession(data: Uint8Array[]): Promise<number> {
  for (const k of ["HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"]) Deno.env.delete(k);
  const ca = await createTestCa();
  const dir = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "airlock-bench-" });
  const upstream = startUpstream(data, SECRET, ca.certPem, ca.keyPem);
  try {
    const target = await startAirlock(SECRET, ca.caFile, dir, "airlock", compiledV8Flags());
    try {
      const bytes = data.length * CHUNK;
      await sessionRelay(target, bytes); // warm-up
      const runs: number[] = [];
      for (let r = 0; r < ROUNDS; r++) runs.push(await sessionRelay(target, bytes));
      return median(runs);
    } finally {
      await target.close();
    }
  } finally {
    await upstream.shutdown();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    await Deno.remove(ca.dir, { recursive: true }).catch(() => {});
  }
}

const data = chunks();
await relay(data.slice(0, 64)); // warm-up
scrubOnly(data.slice(0, 64));
const app: number[] = [];
const scrub: number[] = [];
const meter: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  app.push(await relay(data));
  scrub.push(scrubOnly(data));
  meter.push(meterOnly(data));
}
const session = await measureSession(data);
const perMb = (ms: number) => (ms / MB).toFixed(3);
const a = median(app);
const s = median(scrub);
const share = (total: number) => (100 * s / (total - s)).toFixed(1);
console.log(`response scrubbing (${MB} MB of SSE in ${CHUNK / 1024} KiB chunks, ${ROUNDS} rounds)`);
console.log(`  session proxy (airlock proxy, TLS upstream): ${perMb(session)} ms CPU per MB`);
console.log(`  in-process relay (no TLS, no sockets):       ${perMb(a)} ms CPU per MB`);
console.log(`  scrubber alone:                              ${perMb(s)} ms CPU per MB`);
console.log(
  `  scrubbing's share in a session: ${share(session)} % more CPU per streamed MB ` +
    `than the session without it (goal <= 5 %)`,
);
console.log(`  scrubbing's share in process:   ${share(a)} % (an upper bound)`);
const m = median(meter);
console.log(
  `  usage meter alone: ${perMb(m)} ms CPU per MB: ${
    (100 * m / (session - s - m)).toFixed(1)
  } % of the session's relay (counted in the session figure)`,
);
