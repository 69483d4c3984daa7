/**
 * The hop-less HTTP/1.1 upstream client against local TLS servers on 127.0.0.1, reached
 * through `--resolve`-style pins: body framings, keep-alive reuse, a server closing an
 * idle connection, streamed uploads, gzip, and TLS name verification against the
 * pinned address.
 */

import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { createDialer } from "../../src/proxy/dialer.ts";
import { createHttp1Client, type Http1Client } from "../../src/proxy/http1_client.ts";
import { parsePins } from "../../src/proxy/pins.ts";
import { createTestCa, type TestCa } from "./_support/test_ca.ts";

const enc = new TextEncoder();
let caPromise: Promise<TestCa> | undefined;

function testCa(): Promise<TestCa> {
  return caPromise ??= createTestCa();
}

/** A Deno.serve TLS upstream recording each request's client port. */
async function serveTls(
  handler: (req: Request) => Response | Promise<Response>,
): Promise<{ port: number; ports: number[]; close(): Promise<void> }> {
  const ca = await testCa();
  const ports: number[] = [];
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: ca.certPem,
    key: ca.keyPem,
    onListen: () => {},
  }, (req, info) => {
    ports.push(info.remoteAddr.port);
    return handler(req);
  });
  return { port: server.addr.port, ports, close: () => server.shutdown() };
}

async function clientFor(pins: string[]): Promise<Http1Client> {
  const ca = await testCa();
  return createHttp1Client(createDialer({ pins: parsePins(pins), allowRanges: [] }), [ca.caPem]);
}

Deno.test("createHttp1Client() reads content-length and chunked bodies and reuses the connection", async () => {
  const up = await serveTls((req) => {
    if (new URL(req.url).pathname === "/fixed") return new Response("fixed body");
    const parts = ["one ", "two ", "three"];
    return new Response(
      new ReadableStream({
        pull(c) {
          const p = parts.shift();
          if (p === undefined) c.close();
          else c.enqueue(enc.encode(p));
        },
      }),
    );
  });
  const client = await clientFor([`custom.test:${up.port}:127.0.0.1`]);
  try {
    const base = `https://custom.test:${up.port}`;
    const fixed = await client.fetch(`${base}/fixed`);
    assertEquals(fixed.status, 200);
    assertEquals(fixed.headers.get("content-length"), "10");
    assertEquals(await fixed.text(), "fixed body");
    const chunked = await client.fetch(`${base}/chunked`);
    assertEquals(await chunked.text(), "one two three");
    const again = await client.fetch(`${base}/fixed`, { method: "HEAD" });
    assertEquals(again.status, 200);
    assertEquals(await again.text(), "");
    assertEquals(up.ports.length, 3);
    assertEquals(new Set(up.ports).size, 1, "one kept-alive connection for all three");
  } finally {
    await client.close();
    await up.close();
  }
});

Deno.test("createHttp1Client() refuses a certificate that does not name the pinned host", async () => {
  const up = await serveTls(() => new Response("must not be reached"));
  // The pin sends wrong-name.test to the server, whose certificate lacks that name.
  const client = await clientFor([`wrong-name.test:${up.port}:127.0.0.1`]);
  try {
    await rejects(client.fetch(`https://wrong-name.test:${up.port}/x`));
    assertEquals(up.ports.length, 0, "no request was sent");
  } finally {
    await client.close();
    await up.close();
  }
});

Deno.test("createHttp1Client() refuses an unpinned loopback address like the dialer", async () => {
  const client = await clientFor([]);
  try {
    await rejects(client.fetch("https://127.0.0.1:9/x"), (err: Error) => err.name === "DialError");
    assertEquals(client.lastFailure("127.0.0.1", 9)?.kind, "denied-address");
  } finally {
    await client.close();
  }
});

Deno.test("createHttp1Client() streams a chunked upload and decodes gzip", async () => {
  const up = await serveTls(async (req) => {
    const text = await req.text();
    const body = `${req.method} ${req.headers.get("transfer-encoding")} ${text.length}`;
    if ((req.headers.get("accept-encoding") ?? "").includes("gzip")) {
      return new Response(new Uint8Array(gzipSync(enc.encode(body))), {
        headers: { "content-encoding": "gzip" },
      });
    }
    return new Response(body);
  });
  const client = await clientFor([`custom.test:${up.port}:127.0.0.1`]);
  try {
    let sent = 0;
    const upload = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent === 5) return c.close();
        sent++;
        c.enqueue(new Uint8Array(100_000).fill(97));
      },
    });
    const res = await client.fetch(`https://custom.test:${up.port}/up`, {
      method: "POST",
      body: upload,
    });
    assertEquals(res.headers.get("content-encoding"), null);
    assertEquals(await res.text(), "POST chunked 500000");
  } finally {
    await client.close();
    await up.close();
  }
});

/**
 * A raw TLS upstream that answers each connection's first request with a fixed
 * response and closes it: the client must notice the close while the connection idles.
 */
async function oneShotTls(): Promise<{ port: number; accepted: () => number; close(): void }> {
  const ca = await testCa();
  const listener = Deno.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert: ca.certPem,
    key: ca.keyPem,
  });
  let accepted = 0;
  (async () => {
    for await (const conn of listener) {
      accepted++;
      (async () => {
        const buf = new Uint8Array(4096);
        let head = "";
        while (!head.includes("\r\n\r\n")) {
          const n = await conn.read(buf);
          if (n === null) break;
          head += new TextDecoder().decode(buf.subarray(0, n));
        }
        await conn.write(enc.encode("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"));
        conn.close();
      })().catch(() => {});
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    accepted: () => accepted,
    close: () => listener.close(),
  };
}

Deno.test("createHttp1Client() opens a new connection after the server closed an idle one", async () => {
  const up = await oneShotTls();
  const client = await clientFor([`custom.test:${up.port}:127.0.0.1`]);
  try {
    for (let i = 0; i < 3; i++) {
      const res = await client.fetch(`https://custom.test:${up.port}/x`, {
        method: "POST",
        body: "{}",
      });
      assertEquals(await res.text(), "ok");
    }
    assertEquals(up.accepted(), 3);
  } finally {
    await client.close();
    up.close();
  }
});

Deno.test("createHttp1Client() closes the connection when the signal aborts mid-body", async () => {
  let cancelled!: () => void;
  const wasCancelled = new Promise<void>((ok) => cancelled = ok);
  const up = await serveTls(() =>
    new Response(
      new ReadableStream({
        start(c) {
          c.enqueue(enc.encode("first"));
        },
        cancel() {
          cancelled();
        },
      }),
    )
  );
  const client = await clientFor([`custom.test:${up.port}:127.0.0.1`]);
  try {
    const abort = new AbortController();
    const res = await client.fetch(`https://custom.test:${up.port}/sse`, {
      signal: abort.signal,
    });
    const reader = res.body!.getReader();
    assertEquals(new TextDecoder().decode((await reader.read()).value), "first");
    abort.abort();
    await rejects(reader.read());
    await wasCancelled;
    assert(true, "the upstream saw the connection go");
  } finally {
    await client.close();
    await up.close();
  }
});
