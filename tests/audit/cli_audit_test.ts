/**
 * `airlock audit list|show` over a session recorded by a real proxy: the records name
 * routes, paths without query values, statuses and decisions, never a token or key.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { auditRecords, startHarness } from "../proxy/_support/harness.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

async function airlock(args: string[], state: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    env: { XDG_STATE_HOME: state },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test({
  name: "airlock audit shows what the proxy recorded and no secret",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const h = await startHarness({});
    try {
      const key = h.proxy.env.GEMINI_API_KEY!;
      const ok = await fetch(
        `${h.proxy.env.GOOGLE_GEMINI_BASE_URL}/v1beta/models/m:generateContent?key=${key}&alt=json`,
        { method: "POST", body: "{}" },
      );
      assertEquals(ok.status, 200);
      await ok.text();
      const bad = await fetch(`${h.proxy.env.OPENAI_BASE_URL}/models`, {
        headers: { authorization: `Bearer ${h.proxy.env.ANTHROPIC_API_KEY}` },
      });
      assertEquals(bad.status, 401);
      await bad.text();

      const records = auditRecords(h);
      assertEquals(records.map((r) => [r.route, r.status, r.decision]), [
        ["gemini", 200, "allowed"],
        ["openai", 401, "denied-token"],
      ]);
      assertEquals(records[0]!.path, "/gemini/v1beta/models/m:generateContent?key=&alt=");
      assertEquals(records[0]!.bytesUp, 2);
      assert((records[0]!.bytesDown as number) > 0);
      assertEquals(records[1]!.detail, "token of route anthropic");
      for (const field of ["time", "method", "durationMs", "bytesUp", "bytesDown"]) {
        assert(field in records[0]!, field);
      }

      const raw = await Deno.readTextFile(h.proxy.auditPath);
      for (const secret of [...Object.values(h.secrets), key, h.proxy.env.OPENAI_API_KEY!]) {
        assert(!raw.includes(secret), "a secret or token reached the audit log");
      }

      const list = await airlock(["audit", "list"], h.stateHome);
      assertEquals(list.code, 0, list.stderr);
      assert(list.stdout.includes(h.proxy.sessionId));
      const show = await airlock(["audit", "show", h.proxy.sessionId], h.stateHome);
      assertEquals(show.code, 0, show.stderr);
      assert(show.stdout.includes("denied-token (token of route anthropic)"), show.stdout);
      const json = await airlock(["audit", "show", h.proxy.sessionId, "--json"], h.stateHome);
      assertEquals(
        json.stdout.trim().split("\n").map((l) => JSON.parse(l)).filter((r) => r.kind !== "start")
          .map((r) => r.decision),
        [
          "allowed",
          "denied-token",
        ],
      );
      const missing = await airlock(["audit", "show", "no-such-session"], h.stateHome);
      assertEquals(missing.code, 125);
      assert(missing.stderr.startsWith("airlock: Cannot show session"));
    } finally {
      await h.close();
    }
  },
});
