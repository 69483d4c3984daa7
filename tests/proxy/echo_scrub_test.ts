/**
 * A hostile upstream that echoes the request back — every header and the URL, in its
 * response headers and body, plain, chunked one byte at a time, as SSE, compressed
 * (ignoring the proxy's `Accept-Encoding: identity`), base64 and URL-encoded, and in a
 * redirect's `Location` — through the real proxy: the client never gets the real key in
 * any of these forms, the upstream did get it, and the audit counts what was scrubbed.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import zlib from "node:zlib";
import { auditRecords, type Harness, startHarness } from "./_support/harness.ts";
import { createTestCa } from "./_support/test_ca.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };
const enc = new TextEncoder();
/** The real credential of a custom route named `echo` (see the harness). */
const SECRET = "custom-echo";

/** What the echo upstream reflects: the request's headers and URL. */
function reflection(req: Request): string {
  return JSON.stringify({ url: req.url, headers: Object.fromEntries(req.headers) });
}

function trickle(text: string, size: number): ReadableStream<Uint8Array> {
  const bytes = enc.encode(text);
  let at = 0;
  return new ReadableStream({
    async pull(c) {
      if (at >= bytes.length) return c.close();
      await new Promise((ok) => setTimeout(ok, 0));
      c.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

function bytes(b: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(b);
}

function echo(req: Request): Response {
  const path = new URL(req.url).pathname;
  const auth = req.headers.get("authorization") ?? "";
  const body = reflection(req);
  const echoed = { "x-echo-authorization": auth, "x-echo-url": req.url };
  switch (path) {
    case "/json":
      return new Response(body, { headers: { "content-type": "application/json", ...echoed } });
    case "/chunked":
      return new Response(trickle(body, 1), { headers: echoed });
    case "/sse": {
      const events = [1, 2, 3].map((i) => `data: {"i":${i},"echo":${JSON.stringify(auth)}}\n\n`);
      return new Response(trickle(events.join(""), 7), {
        headers: { "content-type": "text/event-stream" },
      });
    }
    case "/gzip":
      return new Response(bytes(zlib.gzipSync(body)), { headers: { "content-encoding": "gzip" } });
    case "/deflate":
      return new Response(bytes(zlib.deflateSync(body)), {
        headers: { "content-encoding": "deflate" },
      });
    case "/gzip-twice":
      return new Response(bytes(zlib.gzipSync(zlib.gzipSync(body))), {
        headers: { "content-encoding": "gzip, gzip" },
      });
    case "/br":
      return new Response(bytes(zlib.brotliCompressSync(body)), {
        headers: { "content-encoding": "br" },
      });
    case "/unknown-coding":
      return new Response(body, { headers: { "content-encoding": "zstd" } });
    case "/encoded": {
      const token = auth.replace(/^Bearer /, "");
      return new Response(
        [btoa(auth), btoa(`x:${token}`), btoa(`xy:${token}`), encodeURIComponent(token)]
          .join("\n"),
        { headers: { "set-cookie": `s=${btoa(`u:${token}`)}` } },
      );
    }
    case "/redirect":
      return new Response(null, {
        status: 302,
        headers: { location: `https://elsewhere.test/cb?key=${auth.replace(/^Bearer /, "")}` },
      });
    default:
      return new Response("not found", { status: 404 });
  }
}

/** Every form the test looks for, computed here independently of the scrubber. */
function forms(secret: string): string[] {
  const out = [secret, encodeURIComponent(secret)];
  for (let pad = 0; pad < 3; pad++) {
    // The base64 characters that depend on the secret alone, at each alignment.
    const b = btoa("\0".repeat(pad) + secret).replace(/=+$/, "");
    out.push(b.slice(Math.ceil((8 * pad) / 6), Math.floor((8 * (pad + secret.length)) / 6)));
  }
  return out;
}

let shared: { h: Harness; seen: string[] } | undefined;

async function session() {
  if (shared) return shared;
  const ca = await createTestCa();
  const seen: string[] = [];
  const up = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: ca.certPem,
    key: ca.keyPem,
    onListen: () => {},
  }, (req) => {
    seen.push(req.headers.get("authorization") ?? "");
    return echo(req);
  });
  const h = await startHarness({
    ca,
    routes: () => ({
      echo: {
        upstream: `https://allowed.test:${up.addr.port}`,
        token: { header: "authorization", format: "Bearer {}" },
        inject: { header: "authorization", format: "Bearer {}" },
        env: { ECHO_TOKEN: "{token}" },
      },
    }),
    resolve: [`allowed.test:${up.addr.port}:127.0.0.1`],
  });
  shared = { h, seen };
  return shared;
}

async function fetchEcho(path: string): Promise<{ res: Response; text: string; all: string }> {
  const { h } = await session();
  const res = await fetch(`http://127.0.0.1:${h.proxy.port}/echo${path}`, {
    headers: { authorization: `Bearer ${h.proxy.env.ECHO_TOKEN}` },
    redirect: "manual",
  });
  const text = await res.text();
  const all = [...res.headers].map(([k, v]) => `${k}: ${v}`).join("\n") + "\n" + text;
  return { res, text, all };
}

function assertClean(all: string, where: string) {
  for (const form of forms(SECRET)) {
    assert(!all.includes(form), `${where}: the real key (as ${form}) reached the client:\n${all}`);
  }
}

function recordOf(h: Harness, path: string) {
  return auditRecords(h).filter((r) => r.path === `/echo${path}`).at(-1)!;
}

async function settledRecord(h: Harness, path: string) {
  for (let i = 0; i < 100 && !recordOf(h, path); i++) {
    await new Promise((ok) => setTimeout(ok, 20));
  }
  return recordOf(h, path);
}

for (const path of ["/json", "/chunked", "/sse", "/gzip", "/deflate", "/gzip-twice", "/br"]) {
  Deno.test({
    ...opts,
    name: `an echoing upstream (${path.slice(1)}) never hands the real key to the client`,
    async fn() {
      const { h, seen } = await session();
      const { res, text, all } = await fetchEcho(path);
      assertEquals(res.status, 200);
      assertEquals(seen.at(-1), `Bearer ${SECRET}`, "the upstream got the real key");
      assertClean(all, path);
      // The echo is intact, with the phantom token where the key was.
      assert(text.includes(`Bearer ${h.proxy.env.ECHO_TOKEN}`), text);
      assertEquals(res.headers.get("content-encoding"), null);
      const rec = await settledRecord(h, path);
      assertEquals(rec.decision, "allowed");
      assert((rec.scrubbed as number) >= 1, JSON.stringify(rec));
    },
  });
}

Deno.test({
  ...opts,
  name: "base64 and URL-encoded echoes, in the body and in a cookie, are scrubbed",
  async fn() {
    const { h } = await session();
    const { res, all } = await fetchEcho("/encoded");
    assertEquals(res.status, 200);
    assertClean(all, "/encoded");
    assert((recordOf(h, "/encoded").scrubbed as number) >= 5);
  },
});

Deno.test({
  ...opts,
  name: "a redirect carrying the key comes back to the client scrubbed, never followed",
  async fn() {
    const { h, seen } = await session();
    const before = seen.length;
    const { res, all } = await fetchEcho("/redirect");
    assertEquals(res.status, 302);
    assertEquals(
      res.headers.get("location"),
      `https://elsewhere.test/cb?key=${h.proxy.env.ECHO_TOKEN}`,
    );
    assertClean(all, "/redirect");
    assertEquals(seen.length, before + 1);
  },
});

Deno.test({
  ...opts,
  name: "a content coding the proxy cannot decode is refused, not relayed",
  async fn() {
    const { h } = await session();
    const { res, all } = await fetchEcho("/unknown-coding");
    assertEquals(res.status, 502);
    assertClean(all, "/unknown-coding");
    assertEquals(recordOf(h, "/unknown-coding").detail, "content-encoding zstd cannot be scrubbed");
  },
});

Deno.test({
  ...opts,
  name: "the upstream is asked for an identity encoding",
  async fn() {
    const { h } = await session();
    const { text } = await fetchEcho("/json");
    assertEquals(JSON.parse(text).headers["accept-encoding"], "identity");
    await h.proxy.close();
  },
});
