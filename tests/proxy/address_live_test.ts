/**
 * Finding 5 of issue 10 through the running proxy: an allowlisted name whose DNS answer
 * is an IPv6 form of a private IPv4 address, or a CONNECT to an IPv4 literal in an odd
 * spelling, is refused (403, `denied-address`) and never dialled.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { auditRecords, type Harness, startHarness } from "./_support/harness.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };
const enc = new TextEncoder();
const dec = new TextDecoder();

const ANSWERS: Record<string, string> = {
  "compat.test": "::127.0.0.1",
  "mapped0.test": "::ffff:0:0:127.0.0.1",
  "nat64.test": "64:ff9b::a9fe:a9fe",
  "nat64local.test": "64:ff9b:1::a00:1",
  "sixtofour.test": "2002:7f00:1::1",
  "teredo.test": "2001:0:808:808::80ff:fffe",
};
const LITERALS = ["2130706433", "0x7f.1", "127.1", "0177.0.0.1"];

let shared: Harness | undefined;
async function session(): Promise<Harness> {
  shared ??= await startHarness({
    allowDomains: [...Object.keys(ANSWERS), ...LITERALS],
    lookup: (host) => Promise.resolve(ANSWERS[host] ? [ANSWERS[host]!] : []),
  });
  return shared;
}

async function connect(h: Harness, target: string): Promise<string> {
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
  c.close();
  return text;
}

for (const [name, answer] of Object.entries(ANSWERS)) {
  Deno.test({
    ...opts,
    name: `proxy refuses CONNECT to a name that resolves to ${answer}`,
    async fn() {
      const h = await session();
      const text = await connect(h, `${name}:443`);
      assert(text.startsWith("HTTP/1.1 403 "), text);
      const rec = auditRecords(h).filter((r) => r.host === `${name}:443`).at(-1)!;
      assertEquals(rec.decision, "denied-address");
    },
  });
}

for (const literal of LITERALS) {
  Deno.test({
    ...opts,
    name: `proxy refuses CONNECT to the IPv4 literal ${literal}`,
    async fn() {
      const h = await session();
      const text = await connect(h, `${literal}:443`);
      assert(text.startsWith("HTTP/1.1 403 "), text);
      const rec = auditRecords(h).filter((r) => r.host === `${literal}:443`).at(-1)!;
      assertEquals(rec.decision, "denied-address");
      assert(String(rec.detail).includes("loopback"), String(rec.detail));
    },
  });
}

Deno.test({ ...opts, name: "address sessions close", fn: async () => await shared?.close() });
