/**
 * Interception benchmark (issue 11): the same fake TLS upstream reached, in one
 * invocation and one process, five ways —
 * - **direct** (the client's own TLS to the upstream: what every proxy adds to);
 * - **floor**: a bare `Deno.serve` that relays each request with `fetch` to the upstream
 *   (TLS verified): the least a proxy of the fixed design (Deno.serve → fetch) can cost;
 * - **base URL**: airlock's session proxy, `http://127.0.0.1:PORT/openai/v1/…`;
 * - **intercepted**: airlock's session proxy as `HTTPS_PROXY`, `https://api.openai.com/…`
 *   through CONNECT and TLS terminated with the session CA;
 * and the time to mint a leaf certificate. Prints p50/p99 at one connection, requests/s
 * at 16 connections and the ratios of the goals: added latency ≤ 1.3× the floor's, req/s
 * ≥ 0.8× the floor's, intercepted p50 ≤ 2× base-URL p50. Loopback only, bounded loops.
 *
 * Usage: deno run -A bench/intercept_bench.ts [--quick]
 *
 * @module
 */

import { startHarness } from "../tests/proxy/_support/harness.ts";

const QUICK = Deno.args.includes("--quick");
const SEQ = QUICK ? 150 : 600;
const PAR = QUICK ? 600 : 3000;
const CONNECTIONS = 16;

type Get = () => Promise<void>;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

async function latency(get: Get): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 30; i++) await get(); // warm-up: connections, leaf, JIT
  const times: number[] = [];
  for (let i = 0; i < SEQ; i++) {
    const t = performance.now();
    await get();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

async function throughput(get: Get): Promise<number> {
  let left = PAR;
  const t = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (left-- > 0) await get();
  }));
  return PAR / ((performance.now() - t) / 1000);
}

function fmt(n: number, digits = 2): string {
  return n.toFixed(digits);
}

async function main(): Promise<void> {
  const h = await startHarness();
  const caPem = h.ca.caPem;
  const upstream = `https://127.0.0.1:${h.up.port}`;
  const direct = Deno.createHttpClient({ caCerts: [caPem] });
  const relayClient = Deno.createHttpClient({ caCerts: [caPem] });
  const floor = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const url = new URL(req.url);
    const headers = new Headers(req.headers);
    headers.delete("host");
    headers.set("authorization", `Bearer ${h.secrets.openai}`);
    return fetch(`${upstream}${url.pathname}${url.search}`, {
      method: req.method,
      headers,
      body: req.body,
      client: relayClient,
    } as RequestInit);
  });
  const env = h.proxy.env;
  const token = env.OPENAI_API_KEY!;
  const auth = { authorization: `Bearer ${token}` };
  const viaProxy = Deno.createHttpClient({
    proxy: { url: env.HTTPS_PROXY! },
    caCerts: [h.proxy.caPem!],
  });
  const drain = async (res: Response) => {
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`status ${res.status}`);
  };
  const targets: [string, Get][] = [
    [
      "direct",
      async () => drain(await fetch(`${upstream}/v1/models`, { client: direct } as RequestInit)),
    ],
    ["floor", async () => drain(await fetch(`http://127.0.0.1:${floor.addr.port}/v1/models`))],
    [
      "base URL",
      async () => drain(await fetch(`${env.OPENAI_BASE_URL}/models`, { headers: auth })),
    ],
    [
      "intercepted",
      async () =>
        drain(
          await fetch("https://api.openai.com/v1/models", {
            headers: auth,
            client: viaProxy,
          } as RequestInit),
        ),
    ],
  ];
  const results = new Map<string, { p50: number; p99: number; rps: number }>();
  try {
    for (const [name, get] of targets) {
      const l = await latency(get);
      results.set(name, { ...l, rps: await throughput(get) });
      h.up.seen.length = 0;
    }
    const mint = h.proxy.interceptor?.mintMs ?? [];
    // More leaves, minted the way the proxy mints them (one per new host).
    const { createSessionCa } = await import("../src/intercept/session_ca.ts");
    const hosts = Array.from({ length: 20 }, (_, i) => `h${i}.bench.test`);
    const ca = await createSessionCa(hosts, 3600_000);
    const mints: number[] = [];
    for (const host of hosts) {
      const t = performance.now();
      await ca.mintLeaf(host);
      mints.push(performance.now() - t);
    }
    mints.sort((a, b) => a - b);

    console.log(
      `interception benchmark (${QUICK ? "quick" : "full"}; loopback, TLS upstream, one process)`,
    );
    console.log("target         p50 ms   p99 ms   req/s (16 conn)");
    for (const [name, r] of results) {
      console.log(
        `${name.padEnd(13)}  ${fmt(r.p50).padStart(6)}   ${fmt(r.p99).padStart(6)}   ${
          fmt(r.rps, 0).padStart(8)
        }`,
      );
    }
    const d = results.get("direct")!;
    const f = results.get("floor")!;
    const b = results.get("base URL")!;
    const i = results.get("intercepted")!;
    const addedFloor = f.p50 - d.p50;
    const addedBase = b.p50 - d.p50;
    console.log(
      `added p50: floor ${fmt(addedFloor)} ms, airlock base URL ${fmt(addedBase)} ms, intercepted ${
        fmt(i.p50 - d.p50)
      } ms`,
    );
    console.log(`ratio added latency airlock/floor: ${fmt(addedBase / addedFloor)} (goal <= 1.3)`);
    console.log(`ratio req/s airlock/floor: ${fmt(b.rps / f.rps)} (goal >= 0.8)`);
    console.log(`ratio req/s intercepted/floor: ${fmt(i.rps / f.rps)}`);
    console.log(`ratio p50 intercepted/base URL: ${fmt(i.p50 / b.p50)} (goal <= 2)`);
    console.log(
      `leaf minting: first leaf of the session ${fmt(mint[0] ?? NaN)} ms; ` +
        `p50 ${fmt(percentile(mints, 0.5))} ms, max ${
          fmt(mints.at(-1) ?? NaN)
        } ms over ${mints.length} hosts`,
    );
  } finally {
    viaProxy.close();
    direct.close();
    relayClient.close();
    await floor.shutdown();
    await h.close();
  }
}

if (import.meta.main) await main();
