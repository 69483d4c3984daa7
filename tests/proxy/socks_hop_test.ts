import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { createDialer } from "../../src/proxy/dialer.ts";
import { parsePins } from "../../src/proxy/pins.ts";
import { startSocksHop } from "../../src/proxy/socks_hop.ts";

async function readSome(conn: Deno.Conn, n: number): Promise<number[]> {
  const out: number[] = [];
  const buf = new Uint8Array(64);
  while (out.length < n) {
    const got = await conn.read(buf);
    if (got === null) break;
    out.push(...buf.subarray(0, got));
  }
  return out;
}

function domainRequest(host: string, port: number): Uint8Array {
  const name = new TextEncoder().encode(host);
  return new Uint8Array([5, 1, 0, 3, name.length, ...name, port >> 8, port & 0xff]);
}

async function attempt(
  hopPort: number,
  user: string,
  password: string,
  host: string,
  port: number,
): Promise<number[]> {
  const c = await Deno.connect({ hostname: "127.0.0.1", port: hopPort });
  try {
    await c.write(new Uint8Array([5, 1, 2]));
    const method = await readSome(c, 2);
    if (method[1] !== 2) return method;
    const u = new TextEncoder().encode(user);
    const p = new TextEncoder().encode(password);
    await c.write(new Uint8Array([1, u.length, ...u, p.length, ...p]));
    const auth = await readSome(c, 2);
    if (auth[1] !== 0) return auth;
    await c.write(domainRequest(host, port));
    return (await readSome(c, 10)).slice(0, 2);
  } finally {
    c.close();
  }
}

Deno.test({
  name: "startSocksHop() admits only its password and its targets",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const target = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const tport = (target.addr as Deno.NetAddr).port;
    const dialer = createDialer({
      pins: parsePins([`up.test:${tport}:127.0.0.1`, `other.test:${tport}:127.0.0.1`]),
      allowRanges: [],
    });
    const hop = startSocksHop({ dialer, targets: new Map([[`up.test:${tport}`, undefined]]) });
    try {
      const url = new URL(hop.url);
      const pw = decodeURIComponent(url.password);
      assertEquals(pw.length, 64);
      assertEquals(await attempt(hop.port, "airlock", pw, "up.test", tport), [5, 0]);
      assertEquals(await attempt(hop.port, "airlock", "x" + pw.slice(1), "up.test", tport), [1, 1]);
      assertEquals(await attempt(hop.port, "other", pw, "up.test", tport), [1, 1]);
      assertEquals(await attempt(hop.port, "airlock", pw, "other.test", tport), [5, 2]);
      assertEquals(await attempt(hop.port, "airlock", pw, "UP.test.", tport), [5, 0]);
      // No username/password method offered: refused.
      const c = await Deno.connect({ hostname: "127.0.0.1", port: hop.port });
      await c.write(new Uint8Array([5, 1, 0]));
      assertEquals(await readSome(c, 2), [5, 0xff]);
      c.close();
    } finally {
      hop.close();
      target.close();
    }
  },
});
