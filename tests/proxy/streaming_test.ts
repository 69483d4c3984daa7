/**
 * Bodies through the real proxy: chunked uploads stream to the upstream, compressed
 * responses arrive decoded and correctly labelled.
 */

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { auditRecords, type Harness, startHarness } from "./_support/harness.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };
let shared: Harness | undefined;

function openai(h: Harness, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${h.proxy.env.OPENAI_BASE_URL}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${h.proxy.env.OPENAI_API_KEY}`, ...init.headers },
  });
}

Deno.test({
  ...opts,
  name: "proxy streams a chunked 5 MB upload to the upstream",
  async fn() {
    const h = shared ??= await startHarness({});
    const chunk = new Uint8Array(64 * 1024).fill(97);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= 80) return c.close();
        sent++;
        c.enqueue(chunk);
      },
    });
    const res = await openai(h, "/echo", {
      method: "POST",
      body,
      duplex: "half",
    } as RequestInit);
    assertEquals(res.status, 200);
    assertEquals((await res.json()).bytes, 80 * 64 * 1024);
    const rec = auditRecords(h).filter((r) => r.path === "/openai/v1/echo").at(-1)!;
    assertEquals(rec.bytesUp, 80 * 64 * 1024);
  },
});

Deno.test({
  ...opts,
  name: "proxy relays a gzip response (sent despite identity) decoded, without Content-Encoding",
  async fn() {
    const h = shared ??= await startHarness({});
    const res = await openai(h, "/gzip", { headers: { "accept-encoding": "gzip" } });
    assertEquals(res.status, 200);
    assertEquals(res.headers.get("content-encoding"), null);
    const text = await res.text();
    assertEquals(text, "compressed hello ".repeat(50));
    assertEquals(h.up.seen.at(-1)!.headers["accept-encoding"], "identity");
  },
});

Deno.test({
  ...opts,
  name: "streaming sessions close cleanly",
  async fn() {
    await shared?.close();
  },
});
