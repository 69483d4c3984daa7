/**
 * Response scrubbing's CPU per streamed MB, against the relay that carries it, in one
 * invocation: the proxy app (`buildProxyApp`, in process) relays an SSE body of 16 KiB
 * chunks from a stub upstream to a reading client, scrubbing as it always does; the same
 * chunks then go through a `StreamScrubber` alone. The scrubber's share is its time over
 * the relay's time without it (app minus scrubber). In process there is no TLS and no
 * socket I/O, so the relay's cost here is lower than in a real session and the share is an
 * upper bound. Goal (issue 11): scrubbing ≤ 5 % more CPU per streamed MB.
 *
 * Usage: deno run -A bench/scrub_bench.ts [--quick]
 *
 * @module
 */

import process from "node:process";
import { buildProxyApp } from "../src/proxy/app.ts";
import { BUILTIN_ROUTES } from "../src/proxy/routes.ts";
import { secretForms } from "../src/proxy/scrub/secret_forms.ts";
import { StreamScrubber } from "../src/proxy/scrub/scrubber.ts";

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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const data = chunks();
await relay(data.slice(0, 64)); // warm-up
scrubOnly(data.slice(0, 64));
const app: number[] = [];
const scrub: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  app.push(await relay(data));
  scrub.push(scrubOnly(data));
}
const perMb = (ms: number) => (ms / MB).toFixed(3);
const a = median(app);
const s = median(scrub);
console.log(`response scrubbing (${MB} MB of SSE in ${CHUNK / 1024} KiB chunks, ${ROUNDS} rounds)`);
console.log(`  proxy relay with scrubbing: ${perMb(a)} ms CPU per MB`);
console.log(`  scrubber alone:             ${perMb(s)} ms CPU per MB`);
console.log(
  `  scrubbing's share: ${(100 * s / (a - s)).toFixed(1)} % more CPU per streamed MB ` +
    `than the relay without it (goal <= 5 %; in process, so an upper bound)`,
);
