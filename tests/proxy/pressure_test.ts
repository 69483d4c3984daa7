/**
 * The proxy never stops serving: descriptor exhaustion (finding 1 of issue 10, which
 * stopped the accept loop for good), the per-session connection limit (503), the request
 * head timeout (408) and size limit (431), the body limit (413), each refusal counted in
 * one audit record per burst, and the proxy answering again within a second of the
 * pressure ending.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { auditRecords, type Harness, startHarness } from "./_support/harness.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const opts = { sanitizeResources: false, sanitizeOps: false };
const enc = new TextEncoder();
const dec = new TextDecoder();

async function responseOf(conn: Deno.Conn, timeoutMs = 5000): Promise<string> {
  let text = "";
  const buf = new Uint8Array(4096);
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += dec.decode(buf.subarray(0, n));
    }
  } catch {
    /* closed by the timer or the peer */
  } finally {
    clearTimeout(timer);
  }
  return text;
}

/** One request on a fresh connection; the status, or 0 when none came. */
async function control(port: number, token = "sk-proj-wrong"): Promise<number> {
  try {
    const c = await Deno.connect({ hostname: "127.0.0.1", port });
    await c.write(enc.encode(
      `GET /openai/v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
    ));
    const text = await responseOf(c, 2000);
    try {
      c.close();
    } catch { /* closed */ }
    return Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

async function settle(h: Harness, kind: string): Promise<Record<string, unknown>[]> {
  for (let i = 0; i < 60; i++) {
    const found = auditRecords(h).filter((r) => r.decision === kind);
    if (found.length > 0) return found;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  return [];
}

Deno.test({
  ...opts,
  name: "airlock proxy answers again within a second after its descriptors ran out",
  ignore: Deno.build.os !== "linux",
  async fn() {
    // Not under /tmp: the workdir (the default grant) may not contain the state directory.
    const state = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "airlock-fd-" });
    // A descriptor limit far below the connection limit: accepting fails with EMFILE.
    const child = new Deno.Command("sh", {
      args: [
        "-c",
        `ulimit -n 200 && exec "$0" run -A "$1" proxy --credential openai=env:K --json`,
        Deno.execPath(),
        MAIN,
      ],
      env: { XDG_STATE_HOME: state, K: "sk-real-fd" },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stderr = new Response(child.stderr).text();
    const reader = child.stdout.getReader();
    const held: Deno.Conn[] = [];
    try {
      let line = "";
      while (!line.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) break;
        line += dec.decode(value);
      }
      const info = JSON.parse(line) as { port: number; auditPath: string };
      assertEquals(await control(info.port), 401);
      // Hold 400 idle connections: more than the process has descriptors for.
      for (let i = 0; i < 400; i++) {
        held.push(await Deno.connect({ hostname: "127.0.0.1", port: info.port }));
      }
      await new Promise((ok) => setTimeout(ok, 300));
      for (const c of held.splice(0)) c.close();
      const released = Date.now();
      let answered = 0;
      while (Date.now() - released < 3000) {
        answered = await control(info.port);
        if (answered === 401) break;
        await new Promise((ok) => setTimeout(ok, 20));
      }
      const after = Date.now() - released;
      assertEquals(answered, 401, "the proxy does not answer any more");
      assert(after < 1000, `answered ${after} ms after the pressure ended`);
      // One record (and one log line) per burst, not one per refused connection.
      await new Promise((ok) => setTimeout(ok, 1300));
      const records = Deno.readTextFileSync(info.auditPath).split("\n").filter(Boolean)
        .map((l) => JSON.parse(l)).filter((r) => r.decision === "accept-error");
      assert(records.length >= 1 && records.length <= 3, JSON.stringify(records));
      assert(records[0].count > 1 && records[0].detail === "EMFILE", JSON.stringify(records));
    } finally {
      for (const c of held) c.close();
      child.kill("SIGTERM");
      await child.status;
      await reader.cancel().catch(() => {});
      const err = await stderr;
      assert((err.match(/cannot accept connections/g) ?? []).length <= 3, err);
      await Deno.remove(state, { recursive: true });
    }
  },
});

Deno.test({
  ...opts,
  name: "proxy refuses connections over its limit with 503, one record per burst",
  async fn() {
    const h = await startHarness({ limits: { maxConnections: 20 } });
    const held: Deno.Conn[] = [];
    try {
      for (let i = 0; i < 20; i++) {
        held.push(await Deno.connect({ hostname: "127.0.0.1", port: h.proxy.port }));
      }
      await new Promise((ok) => setTimeout(ok, 100));
      const statuses = [];
      for (let i = 0; i < 30; i++) statuses.push(await control(h.proxy.port));
      assert(statuses.every((s) => s === 503), statuses.join());
      for (const c of held.splice(0)) c.close();
      await new Promise((ok) => setTimeout(ok, 50));
      assertEquals(await control(h.proxy.port), 401);
      const records = await settle(h, "over-capacity");
      assertEquals(records.length, 1);
      assertEquals(records[0]!.status, 503);
      assertEquals(records[0]!.count, 30);
      assertEquals(records[0]!.kind, "limit");
    } finally {
      for (const c of held) c.close();
      await h.close();
    }
  },
});

Deno.test({
  ...opts,
  name: "proxy answers 408 to a request head that does not arrive in time",
  async fn() {
    const h = await startHarness({ limits: { headTimeoutMs: 200 } });
    try {
      const conns = await Promise.all(
        Array.from(
          { length: 5 },
          () => Deno.connect({ hostname: "127.0.0.1", port: h.proxy.port }),
        ),
      );
      await Promise.all(
        conns.map((c) => c.write(enc.encode("GET /openai/v1/models HTTP/1.1\r\n"))),
      );
      const started = Date.now();
      const texts = await Promise.all(conns.map((c) => responseOf(c)));
      assert(texts.every((t) => t.startsWith("HTTP/1.1 408 ")), texts.join("|"));
      assert(Date.now() - started < 2000);
      const records = await settle(h, "head-timeout");
      assertEquals(records.length, 1);
      assertEquals(records[0]!.count, 5);
      assertEquals(await control(h.proxy.port), 401);
    } finally {
      await h.close();
    }
  },
});

Deno.test({
  ...opts,
  name: "proxy answers 431 to a first request head over its limit",
  async fn() {
    const h = await startHarness({ limits: { maxHeaderBytes: 4096 } });
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port: h.proxy.port });
      await c.write(enc.encode(`GET /openai/v1/models HTTP/1.1\r\nX: ${"a".repeat(5000)}\r\n\r\n`));
      assert((await responseOf(c)).startsWith("HTTP/1.1 431 "));
      const records = await settle(h, "headers-too-large");
      assertEquals(records[0]!.status, 431);
    } finally {
      await h.close();
    }
  },
});

Deno.test({
  ...opts,
  name: "proxy answers 413 to a request body over its limit, declared or streamed",
  async fn() {
    const h = await startHarness({ limits: { maxBodyBytes: 1000 } });
    try {
      const auth = { authorization: `Bearer ${h.proxy.env.OPENAI_API_KEY}` };
      const declared = await fetch(`${h.proxy.env.OPENAI_BASE_URL}/echo`, {
        method: "POST",
        headers: auth,
        body: "x".repeat(2000),
      });
      assertEquals(declared.status, 413);
      assertEquals((await declared.json()).error.code, "payload_too_large");
      const streamed = await fetch(`${h.proxy.env.OPENAI_BASE_URL}/echo`, {
        method: "POST",
        headers: auth,
        body: new ReadableStream({
          start(c) {
            for (let i = 0; i < 4; i++) c.enqueue(enc.encode("y".repeat(600)));
            c.close();
          },
        }),
      });
      assertEquals(streamed.status, 413);
      await streamed.body?.cancel();
      const small = await fetch(`${h.proxy.env.OPENAI_BASE_URL}/echo`, {
        method: "POST",
        headers: auth,
        body: "z".repeat(900),
      });
      assertEquals(small.status, 200);
      assertEquals((await small.json()).bytes, 900);
      const records = await settle(h, "body-too-large");
      assertEquals(records.length, 1);
      assertEquals(records[0]!.count, 2);
    } finally {
      await h.close();
    }
  },
});
