/**
 * Fault injection with scripted upstreams: a reset mid-stream, a stall before the
 * headers and in the middle of the body, an endless body, a TLS handshake that fails,
 * a certificate from an unknown issuer, and a DNS answer that changes mid-session. Each
 * time the client gets a 502/504 or a cut stream naming the cause, the audit record says
 * what happened, the per-route time limits apply, and other streams go on.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { auditRecords, type Harness, startHarness } from "./_support/harness.ts";
import { createTestCa, type TestCa } from "./_support/test_ca.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };
const enc = new TextEncoder();
const dec = new TextDecoder();

interface Scripted {
  faulty: Deno.HttpServer<Deno.NetAddr>;
  untrusted: Deno.HttpServer<Deno.NetAddr>;
  garbage: Deno.Listener;
  release: (() => void)[];
}

function chunks(each: (i: number) => Promise<"go" | "stop" | "break">): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    async pull(c) {
      const what = await each(i);
      if (what === "stop") return c.close();
      // (Interrupted: Deno.serve drops the connection without logging the error.)
      if (what === "break") return c.error(new Deno.errors.Interrupted("scripted reset"));
      c.enqueue(enc.encode(`data: ${i++}\n\n`));
    },
  });
}

function startScripted(ca: TestCa, other: TestCa): Scripted {
  const release: (() => void)[] = [];
  const hang = () => new Promise<void>((ok) => release.push(ok));
  const faulty = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: ca.certPem,
    key: ca.keyPem,
    onListen: () => {},
  }, async (req) => {
    const path = new URL(req.url).pathname;
    const sse = { headers: { "content-type": "text/event-stream" } };
    if (path === "/stall-headers") {
      await hang();
      return new Response("late");
    }
    if (path === "/reset") {
      return new Response(
        chunks((i) => new Promise((ok) => setTimeout(() => ok(i < 2 ? "go" : "break"), 30))),
        sse,
      );
    }
    if (path === "/stall-body") {
      return new Response(chunks(async (i) => i < 1 ? "go" : (await hang(), "stop")), sse);
    }
    if (path === "/endless") {
      return new Response(
        chunks(() => new Promise((ok) => setTimeout(() => ok("go"), 20))),
        sse,
      );
    }
    return Response.json({ ok: true });
  });
  // An upstream whose certificate comes from a CA the proxy does not trust.
  const untrusted = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: other.certPem,
    key: other.keyPem,
    onListen: () => {},
  }, () => new Response("should not be reached"));
  // An upstream that answers the TLS ClientHello with garbage.
  const garbage = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const c of garbage) {
      c.write(enc.encode("HTTP/1.1 200 OK\r\n\r\nthis is not TLS")).catch(() => {}).finally(() => {
        try {
          c.close();
        } catch { /* closed */ }
      });
    }
  })().catch(() => {});
  return { faulty, untrusted, garbage, release };
}

let shared: { h: Harness; s: Scripted; answer: { value: string } } | undefined;

async function session() {
  if (shared) return shared;
  const ca = await createTestCa();
  const other = await createTestCa();
  const s = startScripted(ca, other);
  const answer = { value: "127.0.0.1" };
  const route = (upstream: string, env: string) => ({
    upstream,
    token: { header: "authorization", format: "Bearer {}" },
    inject: { header: "authorization", format: "Bearer {}" },
    env: { [env]: "{token}" },
    timeouts: { headersMs: 400, idleMs: 300, totalMs: 1500, connectMs: 2000 },
  });
  const h = await startHarness({
    ca,
    allowDomains: ["dyn.test"],
    allowRanges: ["127.0.0.1/32"],
    lookup: (host) => Promise.resolve(host === "dyn.test" ? [answer.value] : []),
    routes: () => ({
      faulty: route(`https://allowed.test:${s.faulty.addr.port}`, "FAULTY_TOKEN"),
      untrusted: route(`https://custom.test:${s.untrusted.addr.port}`, "UNTRUSTED_TOKEN"),
      garbage: route(
        `https://refused.test:${(s.garbage.addr as Deno.NetAddr).port}`,
        "GARBAGE_TOKEN",
      ),
    }),
    resolve: [
      `allowed.test:${s.faulty.addr.port}:127.0.0.1`,
      `custom.test:${s.untrusted.addr.port}:127.0.0.1`,
      `refused.test:${(s.garbage.addr as Deno.NetAddr).port}:127.0.0.1`,
    ],
  });
  shared = { h, s, answer };
  return shared;
}

function get(h: Harness, route: string, path: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${h.proxy.port}/${route}${path}`, {
    headers: { authorization: `Bearer ${h.proxy.env[`${route.toUpperCase()}_TOKEN`]}` },
  });
}

async function drain(res: Response): Promise<{ text: string; broke: boolean }> {
  const reader = res.body!.getReader();
  let text = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, broke: false };
      text += dec.decode(value);
    }
  } catch {
    return { text, broke: true };
  }
}

function last(h: Harness, route: string, path: string): Record<string, unknown> {
  return auditRecords(h).filter((r) => r.route === route && r.path === `/${route}${path}`).at(-1)!;
}

async function stillServes(h: Harness): Promise<void> {
  const res = await get(h, "faulty", "/ok");
  assertEquals(res.status, 200);
  assertEquals((await res.json()).ok, true);
}

async function settled(h: Harness, route: string, path: string) {
  for (let i = 0; i < 50 && !last(h, route, path); i++) {
    await new Promise((ok) => setTimeout(ok, 20));
  }
  return last(h, route, path);
}

Deno.test({
  ...opts,
  name: "an upstream reset mid-stream cuts the client's stream and is recorded",
  async fn() {
    const { h } = await session();
    const res = await get(h, "faulty", "/reset");
    assertEquals(res.status, 200, JSON.stringify(auditRecords(h).at(-1)));
    const { text, broke } = await drain(res);
    assert(broke, "the stream looked complete");
    assert(text.includes("data: 1"));
    const rec = await settled(h, "faulty", "/reset");
    assertEquals(rec.decision, "upstream-error");
    assert(String(rec.detail).startsWith("stream broke"), String(rec.detail));
    await stillServes(h);
  },
});

Deno.test({
  ...opts,
  name: "an upstream that stalls before its headers gets 504 within the route's limit",
  async fn() {
    const { h } = await session();
    const started = Date.now();
    const res = await get(h, "faulty", "/stall-headers");
    assertEquals(res.status, 504);
    assert((await res.json()).error.message.includes("did not answer in time"));
    assert(Date.now() - started < 3000);
    const rec = await settled(h, "faulty", "/stall-headers");
    assertEquals(rec.decision, "upstream-timeout");
    await stillServes(h);
  },
});

Deno.test({
  ...opts,
  name: "an upstream that stalls mid-body is cut after the route's idle limit",
  async fn() {
    const { h } = await session();
    const res = await get(h, "faulty", "/stall-body");
    assertEquals(res.status, 200);
    const started = Date.now();
    const { text, broke } = await drain(res);
    assert(broke && text.includes("data: 0"));
    assert(Date.now() - started < 3000);
    const rec = await settled(h, "faulty", "/stall-body");
    assertEquals(rec.decision, "upstream-timeout");
    assertEquals(rec.detail, "stream cut: no body bytes for 300 ms");
    await stillServes(h);
  },
});

Deno.test({
  ...opts,
  name: "an endless upstream body is cut at the route's total limit while other streams go on",
  async fn() {
    const { h } = await session();
    const endless = get(h, "faulty", "/endless").then(drain);
    // Meanwhile, other requests are served.
    for (let i = 0; i < 5; i++) {
      await stillServes(h);
      await new Promise((ok) => setTimeout(ok, 100));
    }
    const { text, broke } = await endless;
    assert(broke && text.length > 100);
    const rec = await settled(h, "faulty", "/endless");
    assertEquals(rec.decision, "upstream-timeout");
    assertEquals(rec.detail, "stream cut: total time limit 1500 ms");
    assert((rec.bytesDown as number) > 100);
  },
});

Deno.test({
  ...opts,
  name: "a TLS handshake that fails gets 502 naming TLS",
  async fn() {
    const { h } = await session();
    const res = await get(h, "garbage", "/x");
    assertEquals(res.status, 502);
    assertEquals(
      (await res.json()).error.message,
      "airlock: the TLS handshake with the upstream failed",
    );
    assertEquals(last(h, "garbage", "/x").detail, "tls: handshake failed");
    await stillServes(h);
  },
});

Deno.test({
  ...opts,
  name: "a certificate from an unknown issuer gets 502 naming the certificate",
  async fn() {
    const { h } = await session();
    const res = await get(h, "untrusted", "/x");
    assertEquals(res.status, 502);
    assertEquals(
      (await res.json()).error.message,
      "airlock: the upstream's TLS certificate was refused",
    );
    assert(String(last(h, "untrusted", "/x").detail).startsWith("tls: certificate "));
    await stillServes(h);
  },
});

async function connect(h: Harness, target: string): Promise<[Deno.Conn, string]> {
  const u = new URL(h.proxy.env.HTTPS_PROXY!);
  const auth = btoa(`${u.username}:${decodeURIComponent(u.password)}`);
  const c = await Deno.connect({ hostname: "127.0.0.1", port: h.proxy.port });
  await c.write(enc.encode(
    `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\nProxy-Authorization: Basic ${auth}\r\n\r\n`,
  ));
  let text = "";
  const buf = new Uint8Array(4096);
  while (!text.includes("\r\n\r\n")) {
    const n = await c.read(buf);
    if (n === null) break;
    text += dec.decode(buf.subarray(0, n));
  }
  return [c, text];
}

Deno.test({
  ...opts,
  name: "a DNS answer that changes mid-session refuses new tunnels and leaves open ones alone",
  async fn() {
    const { h, answer } = await session();
    const echo = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (echo.addr as Deno.NetAddr).port;
    (async () => {
      for await (const c of echo) c.readable.pipeTo(c.writable).catch(() => {});
    })().catch(() => {});
    try {
      const [first, head] = await connect(h, `dyn.test:${port}`);
      assert(head.startsWith("HTTP/1.1 200 "), head);
      answer.value = "10.9.9.9"; // rebinding to a private address
      const [second, refused] = await connect(h, `dyn.test:${port}`);
      second.close();
      assert(refused.startsWith("HTTP/1.1 403 "), refused);
      const rec = auditRecords(h).filter((r) => r.host === `dyn.test:${port}`).at(-1)!;
      assertEquals(rec.decision, "denied-address");
      assert(String(rec.detail).includes("private 10.9.9.9"));
      // The tunnel opened before the change still carries bytes.
      await first.write(enc.encode("ping"));
      const buf = new Uint8Array(4);
      let got = 0;
      while (got < 4) got += (await first.read(buf.subarray(got))) ?? 4;
      assertEquals(dec.decode(buf), "ping");
      first.close();
    } finally {
      echo.close();
      answer.value = "127.0.0.1";
    }
  },
});

Deno.test({
  ...opts,
  name: "fault sessions close",
  async fn() {
    if (!shared) return;
    for (const r of shared.s.release) r();
    await shared.h.close();
    await shared.s.faulty.shutdown();
    await shared.s.untrusted.shutdown();
    shared.s.garbage.close();
  },
});
