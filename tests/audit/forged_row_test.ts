/**
 * Finding 2 of issue 10: after a 407, a client with no token sent a CONNECT whose target
 * held ESC and BEL bytes; the hand-written parser passed them into the audit record and
 * `airlock audit show` printed them raw, erasing the real row and drawing a forged one.
 * Now the request is refused (400) by the same parsing as every other request, and
 * `audit show` escapes every cell. (Imports nothing new, so it also runs on a34c360.)
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { startHarness } from "../proxy/_support/harness.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const enc = new TextEncoder();
const dec = new TextDecoder();

/** Moves up, erases the line and draws a row with cursor moves instead of spaces. */
export const FORGED =
  "\x1b[1A\x1b[2K\x1b[1G2026-01-01T00:00:00.000Z\x1b[2Copenai\x1b[2CGET\x1b[2C/openai/v1/models\x1b[2C200\x07";

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

async function readHead(conn: Deno.Conn): Promise<string> {
  let text = "";
  const buf = new Uint8Array(4096);
  while (!text.includes("\r\n\r\n")) {
    const n = await conn.read(buf);
    if (n === null) break;
    text += dec.decode(buf.subarray(0, n));
  }
  return text;
}

Deno.test({
  name: "a CONNECT after a 407 with control bytes is refused and audit show prints no control byte",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const h = await startHarness({ allowDomains: ["allowed.test"] });
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: h.proxy.port });
      await conn.write(
        enc.encode("CONNECT allowed.test:443 HTTP/1.1\r\nHost: allowed.test:443\r\n\r\n"),
      );
      assert((await readHead(conn)).startsWith("HTTP/1.1 407 "));
      await conn.write(enc.encode(`CONNECT ${FORGED} HTTP/1.1\r\nHost: x\r\n\r\n`));
      const second = await readHead(conn);
      assert(second.startsWith("HTTP/1.1 400 "), JSON.stringify(second));
      conn.close();
      await h.proxy.close(); // writes the bursts' records
      const text = Deno.readTextFileSync(h.proxy.auditPath);
      assert(!text.includes("\x1b") && !text.includes("\\u001b"), text);
      const id = h.proxy.sessionId;
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MAIN, "audit", "show", id],
        env: { XDG_STATE_HOME: h.stateHome },
      }).output();
      const shown = dec.decode(out.stdout);
      assertEquals(out.code, 0, dec.decode(out.stderr));
      assert(!CONTROL.test(shown), JSON.stringify(shown));
      assert(!shown.includes("/openai/v1/models\x1b"), shown);
    } finally {
      await h.close().catch(() => {}); // (on a34c360 a second close() threw)
    }
  },
});
