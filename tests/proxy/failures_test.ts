/**
 * The proxy under upstream and client failures, over real sockets and TLS: resets,
 * stalls, bad names, refused addresses, TLS failures, oversized headers, client
 * disconnects. After each, the proxy still serves.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { auditRecords, type Harness, startHarness } from "./_support/harness.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };
let shared: Harness | undefined;

async function session(): Promise<Harness> {
  shared ??= await startHarness({
    lockstep: true,
    headersTimeoutMs: 300,
    resolve: (port) => [`wrong-name.test:${port}:127.0.0.1`],
    routes: (port) => ({
      nodns: {
        upstream: "https://no-such-host.invalid",
        token: { header: "authorization", format: "Bearer {}" },
        inject: { header: "authorization", format: "Bearer {}" },
        env: { NODNS_TOKEN: "{token}" },
      },
      loop: {
        upstream: `https://localhost:${port}`,
        token: { header: "authorization", format: "Bearer {}" },
        inject: { header: "authorization", format: "Bearer {}" },
        env: { LOOP_TOKEN: "{token}" },
      },
      badtls: {
        upstream: `https://wrong-name.test:${port}`,
        token: { header: "authorization", format: "Bearer {}" },
        inject: { header: "authorization", format: "Bearer {}" },
        env: { BADTLS_TOKEN: "{token}" },
      },
    }),
  });
  return shared;
}

function openai(h: Harness, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${h.proxy.env.OPENAI_BASE_URL}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${h.proxy.env.OPENAI_API_KEY}`, ...init.headers },
  });
}

async function stillServes(h: Harness): Promise<void> {
  const res = await openai(h, "/chat/completions", { method: "POST", body: "{}" });
  assertEquals(res.status, 200);
  await res.body?.cancel();
}

Deno.test({
  ...opts,
  name: "proxy survives an upstream reset mid-stream and records it",
  async fn() {
    const h = await session();
    const res = await openai(h, "/reset");
    assertEquals(res.status, 200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    assert(!first.done);
    h.up.release();
    h.up.release();
    let broke = false;
    try {
      for (;;) {
        const { done } = await reader.read();
        if (done) break;
      }
    } catch {
      broke = true;
    }
    assert(broke, "the client did not see the stream break");
    const rec = auditRecords(h).filter((r) => r.path === "/openai/v1/reset");
    assertEquals(rec.at(-1)!.decision, "upstream-error");
    await stillServes(h);
  },
});

Deno.test({
  ...opts,
  name: "proxy answers 504 when the upstream stalls before its headers",
  async fn() {
    const h = await session();
    const res = await openai(h, "/slow");
    assertEquals(res.status, 504);
    const body = await res.json();
    assertEquals(body.error.code, "gateway_timeout");
    await stillServes(h);
  },
});

Deno.test({
  ...opts,
  name: "proxy cancels the upstream stream when the client disconnects",
  async fn() {
    const h = await session();
    const ac = new AbortController();
    const res = await openai(h, "/chat/completions", {
      method: "POST",
      body: JSON.stringify({ stream: true }),
      signal: ac.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    await reader.cancel().catch(() => {});
    await h.up.cancelled;
    await stillServes(h);
  },
});

Deno.test({
  ...opts,
  name: "proxy answers 431 to oversized request headers",
  async fn() {
    const h = await session();
    const res = await openai(h, "/models", { headers: { "x-big": "a".repeat(64 * 1024) } });
    assertEquals(res.status, 431);
    await res.body?.cancel();
    await stillServes(h);
  },
});

const BAD_UPSTREAMS: [string, string, string][] = [
  ["an unresolvable upstream", "nodns", "unresolvable"],
  ["a loopback upstream that is not pinned", "loop", "loopback"],
  [
    "an upstream whose certificate does not match its name",
    "badtls",
    "tls: certificate NotValidForName",
  ],
];

for (const [what, route, detail] of BAD_UPSTREAMS) {
  Deno.test({
    ...opts,
    name: `proxy answers 502 with a JSON error for ${what}`,
    async fn() {
      const h = await session();
      const unauth = await fetch(`http://127.0.0.1:${h.proxy.port}/${route}/x`);
      assertEquals(unauth.status, 401);
      await unauth.body?.cancel();
      const res = await fetch(`http://127.0.0.1:${h.proxy.port}/${route}/x`, {
        headers: { authorization: `Bearer ${routeToken(h, route)}` },
      });
      assertEquals(res.status, 502);
      const text = await res.text();
      assert(JSON.parse(text).error.message.startsWith("airlock:"));
      const rec = auditRecords(h).filter((r) => r.route === route).at(-1)!;
      assert(String(rec.detail ?? "").includes(detail), JSON.stringify(rec));
      await stillServes(h);
    },
  });
}

function routeToken(h: Harness, route: string): string {
  return h.proxy.env[`${route.toUpperCase()}_TOKEN`]!;
}

Deno.test({
  ...opts,
  name: "failure sessions close cleanly",
  async fn() {
    await shared?.close();
  },
});
