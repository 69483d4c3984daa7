/**
 * A CONNECT tunnel whose client went away ends a few seconds later, even when the
 * upstream never closes its side (it used to stay open, unrecorded, until the upstream's
 * own timeout), while a client that half-closes and waits for a slow answer still gets all
 * of it. Raw TCP to the real session proxy, loopback upstreams pinned with --resolve.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { auditRecords, startHarness, waitForRecord } from "./_support/harness.ts";
import { HALF_CLOSED_IDLE_MS } from "../../src/proxy/upstream_client.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

/** Opens a CONNECT tunnel to `target` through the proxy at `proxyUrl`; returns the socket. */
async function openTunnel(proxyUrl: string, target: string): Promise<Deno.TcpConn> {
  const url = new URL(proxyUrl);
  const auth = btoa(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`);
  const conn = await Deno.connect({ hostname: url.hostname, port: Number(url.port) });
  await conn.write(
    new TextEncoder().encode(
      `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\nProxy-Authorization: Basic ${auth}\r\n\r\n`,
    ),
  );
  let head = "";
  const buf = new Uint8Array(1024);
  while (!head.includes("\r\n\r\n")) {
    const n = await conn.read(buf);
    if (n === null) throw new Error(`the proxy closed the tunnel: ${head}`);
    head += new TextDecoder().decode(buf.subarray(0, n));
  }
  assert(head.startsWith("HTTP/1.1 200"), head);
  return conn;
}

/** A loopback upstream that runs `serve` on each connection. */
function upstream(serve: (conn: Deno.Conn) => Promise<void>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    for await (const conn of listener) serve(conn).catch(() => {});
  })();
  return listener;
}

async function readAll(conn: Deno.Conn): Promise<string> {
  let text = "";
  const buf = new Uint8Array(4096);
  for (let n; (n = await conn.read(buf)) !== null;) {
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
  return text;
}

Deno.test({
  ...opts,
  name: "a tunnel whose client exited ends and is recorded although the upstream never closes",
  async fn() {
    const held: Deno.Conn[] = [];
    // Reads to the end, then keeps its side open and says nothing: a stuck TLS server.
    const silent = upstream(async (conn) => {
      held.push(conn);
      await readAll(conn);
    });
    const h = await startHarness({
      allowDomains: ["silent.test"],
      resolve: [`silent.test:${silent.addr.port}:127.0.0.1`],
    });
    try {
      const target = `silent.test:${silent.addr.port}`;
      const client = await openTunnel(h.proxy.env.HTTPS_PROXY!, target);
      const hello = new TextEncoder().encode("\x16\x03\x01 half a ClientHello");
      await client.write(hello);
      client.close(); // the client process exits
      const started = Date.now();
      const rec = await waitForRecord(
        h,
        (r) => r.kind === "connect" && r.host === target && r.decision === "allowed",
      );
      const waited = Date.now() - started;
      assert(
        waited >= HALF_CLOSED_IDLE_MS - 500,
        `ended after ${waited} ms, before the idle limit`,
      );
      assertEquals(rec.bytesUp, hello.length);
      assertEquals(rec.bytesDown, 0);
    } finally {
      for (const c of held) c.close();
      silent.close();
      await h.close();
    }
  },
});

Deno.test({
  ...opts,
  name: "a client that half-closes still gets a slow answer that keeps coming past the idle limit",
  async fn() {
    const chunks = Math.ceil(HALF_CLOSED_IDLE_MS / 1000) + 2;
    // After the client's FIN, one line a second for longer than the idle limit, then close.
    const slow = upstream(async (conn) => {
      const request = await readAll(conn);
      for (let i = 0; i < chunks; i++) {
        await conn.write(new TextEncoder().encode(`${i} ${request}\n`));
        await new Promise((ok) => setTimeout(ok, 1000));
      }
      conn.close();
    });
    const h = await startHarness({
      allowDomains: ["slow.test"],
      resolve: [`slow.test:${slow.addr.port}:127.0.0.1`],
    });
    try {
      const client = await openTunnel(h.proxy.env.HTTPS_PROXY!, `slow.test:${slow.addr.port}`);
      await client.write(new TextEncoder().encode("ask"));
      await client.closeWrite();
      const answer = await readAll(client);
      client.close();
      assertEquals(answer.trim().split("\n").length, chunks, answer);
      assert(
        auditRecords(h).every((r) => r.host !== `slow.test:${slow.addr.port}` || r.status === 200),
      );
    } finally {
      slow.close();
      await h.close();
    }
  },
});
