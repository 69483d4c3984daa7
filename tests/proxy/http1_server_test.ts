/**
 * The front's HTTP/1.1 server over real loopback connections, driven with raw bytes:
 * keep-alive, both body framings each way, 100-continue, refusals, and a client that
 * goes away mid-stream.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { type Http1Handler, serveHttp1 } from "../../src/proxy/http1_server.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function withServer(
  handler: Http1Handler,
  fn: (conn: Deno.TcpConn) => Promise<void>,
): Promise<void> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const served = (async () => {
    const conn = await listener.accept();
    await serveHttp1(conn, new Uint8Array(), handler, `http://127.0.0.1:${port}`);
  })();
  const client = await Deno.connect({ hostname: "127.0.0.1", port });
  client.setNoDelay(true);
  try {
    await fn(client);
  } finally {
    try {
      client.close();
    } catch { /* closed by the test */ }
    await served;
    listener.close();
  }
}

/** Reads until `text` has appeared (or the connection ends). */
async function readUntil(conn: Deno.Conn, text: string, had = ""): Promise<string> {
  let out = had;
  const buf = new Uint8Array(65536);
  while (!out.includes(text)) {
    const n = await conn.read(buf);
    if (n === null) break;
    out += dec.decode(buf.subarray(0, n));
  }
  return out;
}

Deno.test("serveHttp1() keeps the connection alive and frames responses by length or chunks", async () => {
  const handler: Http1Handler = (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/fixed") return new Response("hello", { headers: { "content-length": "5" } });
    const parts = ["str", "eam"];
    return new Response(
      new ReadableStream({
        pull(c) {
          const p = parts.shift();
          if (p === undefined) c.close();
          else c.enqueue(enc.encode(p));
        },
      }),
    );
  };
  await withServer(handler, async (conn) => {
    await conn.write(enc.encode("GET /fixed HTTP/1.1\r\nhost: x\r\n\r\n"));
    const first = await readUntil(conn, "hello");
    assert(first.startsWith("HTTP/1.1 200 OK\r\n"), first);
    assert(first.includes("content-length: 5\r\n"), first);
    await conn.write(enc.encode("GET /stream HTTP/1.1\r\nhost: x\r\n\r\n"));
    const second = await readUntil(conn, "0\r\n\r\n");
    assert(second.includes("transfer-encoding: chunked\r\n"), second);
    const body = second.slice(second.indexOf("\r\n\r\n") + 4);
    assertEquals(body.replace(/\r\n/g, "|"), "3|str|3|eam|0||", "each chunk as it came");
  });
});

Deno.test("serveHttp1() streams chunked and length-framed request bodies to the handler", async () => {
  const seen: string[] = [];
  const handler: Http1Handler = async (req) => {
    seen.push(`${req.method} ${await req.text()}`);
    return new Response("ok");
  };
  await withServer(handler, async (conn) => {
    await conn.write(
      enc.encode(
        "POST /a HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n",
      ),
    );
    await conn.write(enc.encode("2\r\nde\r\n0\r\ntrailer: t\r\n\r\n"));
    const first = await readUntil(conn, "ok");
    await conn.write(enc.encode("PUT /b HTTP/1.1\r\nhost: x\r\ncontent-length: 4\r\n\r\nwxyz"));
    await readUntil(conn, "ok", first.slice(first.indexOf("ok") + 2));
  });
  assertEquals(seen, ["POST abcde", "PUT wxyz"]);
});

Deno.test("serveHttp1() answers Expect: 100-continue before the body is read", async () => {
  const handler: Http1Handler = async (req) => new Response(await req.text());
  await withServer(handler, async (conn) => {
    await conn.write(
      enc.encode("POST / HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\ncontent-length: 2\r\n\r\n"),
    );
    const interim = await readUntil(conn, "\r\n\r\n");
    assert(interim.startsWith("HTTP/1.1 100 Continue\r\n"), interim);
    await conn.write(enc.encode("hi"));
    const res = await readUntil(conn, "hi", interim.slice(interim.indexOf("\r\n\r\n") + 4));
    assert(res.startsWith("HTTP/1.1 200 OK"), res);
  });
});

const REFUSALS: [string, string, string][] = [
  ["an oversized head", `GET / HTTP/1.1\r\nx-big: ${"a".repeat(40_000)}\r\n\r\n`, "431"],
  ["a malformed request line", "GET /\r\n\r\n", "400"],
  ["a bad content-length", "POST / HTTP/1.1\r\ncontent-length: x\r\n\r\n", "400"],
  ["CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nhost: example.com:443\r\n\r\n", "405"],
  ["an absolute-form request", "GET http://example.com/ HTTP/1.1\r\n\r\n", "405"],
];

for (const [what, request, status] of REFUSALS) {
  Deno.test(`serveHttp1() answers ${what} with ${status} and closes`, async () => {
    let called = false;
    const handler: Http1Handler = () => {
      called = true;
      return new Response("no");
    };
    await withServer(handler, async (conn) => {
      await conn.write(enc.encode(request));
      const res = await readUntil(conn, "\u0000never");
      assert(res.startsWith(`HTTP/1.1 ${status} `), res);
      assert(res.includes("connection: close"), res);
    });
    assertEquals(called, false);
  });
}

Deno.test("serveHttp1() cancels a streaming response when the client goes away", async () => {
  let cancelled!: () => void;
  const wasCancelled = new Promise<void>((ok) => cancelled = ok);
  let completed: Promise<void> | undefined;
  const handler: Http1Handler = (_req, env) => {
    completed = env.completed;
    return new Response(
      new ReadableStream({
        start(c) {
          c.enqueue(enc.encode("data: 1\n\n"));
        },
        cancel() {
          cancelled();
        },
      }),
    );
  };
  await withServer(handler, async (conn) => {
    await conn.write(enc.encode("GET /sse HTTP/1.1\r\nhost: x\r\n\r\n"));
    await readUntil(conn, "data: 1");
    conn.close();
    await wasCancelled;
  });
  let rejected = false;
  await completed!.catch(() => rejected = true);
  assert(rejected, "env.completed rejects when the client went away");
});
