/**
 * `airlock audit verify` on a real session's log (recorded by a running proxy): intact
 * as written; each kind of tampering — edited, inserted, removed, reordered, truncated,
 * cut after the seal, a changed seal — is caught at its first line; a session that
 * ended without a seal (a crash) is told apart from a cut log.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { appendChained, SessionLog, sha256Hex } from "../../src/audit/session_log.ts";
import { verifyChain, verifySession } from "../../src/audit/verify.ts";
import { type Harness, startHarness } from "../proxy/_support/harness.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const opts = { sanitizeResources: false, sanitizeOps: false };

let shared: { h: Harness; text: string; info: Record<string, unknown> } | undefined;

/** A real session: requests through the proxy, then close() (which seals). */
async function session() {
  if (shared) return shared;
  const h = await startHarness({});
  const auth = { authorization: `Bearer ${h.proxy.env.OPENAI_API_KEY}` };
  for (const path of ["/models", "/chat/completions", "/models?x=1", "/nope"]) {
    const res = await fetch(`${h.proxy.env.OPENAI_BASE_URL}${path}`, { headers: auth });
    await res.body?.cancel();
  }
  const bad = await fetch(`${h.proxy.env.OPENAI_BASE_URL}/models`);
  await bad.body?.cancel();
  await h.proxy.close();
  const text = Deno.readTextFileSync(h.proxy.auditPath);
  const info = JSON.parse(Deno.readTextFileSync(`${h.proxy.auditPath.slice(0, -12)}/session.json`));
  shared = { h, text, info };
  return shared;
}

function lines(text: string): string[] {
  return text.split("\n").slice(0, -1);
}

Deno.test({
  ...opts,
  name: "verifySession() finds a real session's log intact and sealed",
  async fn() {
    const { h, text } = await session();
    const result = verifySession(h.proxy.sessionId, { XDG_STATE_HOME: h.stateHome });
    assertEquals(result.status, "intact");
    assertEquals(result.records, lines(text).length - 2); // without the header and the seal
    assert(result.records >= 5);
    assertEquals(result.sealed, true);
    const seal = JSON.parse(lines(text).at(-1)!);
    assertEquals([seal.kind, seal.count], ["seal", result.records]);
  },
});

const TAMPERING: [string, (l: string[]) => string, string, number][] = [
  [
    "an edited record",
    (l) => [l[0], l[1]!.replace('"status":', '"status":1'), ...l.slice(2)].join("\n") + "\n",
    "edited",
    2,
  ],
  [
    "an edited path",
    (l) => [l[0], l[1]!.replace("/openai/v1/", "/openai/v2/"), ...l.slice(2)].join("\n") + "\n",
    "edited",
    2,
  ],
  [
    "an edited last record",
    (l) =>
      [...l.slice(0, -2), l.at(-2)!.replace('"kind":', ' "kind":'), l.at(-1)].join("\n") + "\n",
    "edited",
    0,
  ],
  ["a removed record", (l) => [l[0], ...l.slice(2)].join("\n") + "\n", "removed", 2],
  ["two removed records", (l) => [l[0], ...l.slice(3)].join("\n") + "\n", "removed", 2],
  ["an inserted copy", (l) => [l[0], l[1], l[1], ...l.slice(2)].join("\n") + "\n", "inserted", 3],
  // A forged record with the right seq but no valid prev reads as an edit of the line before.
  [
    "an inserted forged record",
    (l) => [l[0], l[1], `{"kind":"route","path":"/x","seq":2}`, ...l.slice(2)].join("\n") + "\n",
    "edited",
    2,
  ],
  [
    "two swapped records",
    (l) => [l[0], l[2], l[1], ...l.slice(3)].join("\n") + "\n",
    "reordered",
    2,
  ],
  ["a record cut off mid-line", (l) => l.join("\n").slice(0, -20), "truncated", 0],
  ["the seal removed", (l) => l.slice(0, -1).join("\n") + "\n", "cut", 0],
  ["the last records and the seal removed", (l) => l.slice(0, 2).join("\n") + "\n", "cut", 3],
  ["a record after the seal", (l) => [...l, l[1]].join("\n") + "\n", "inserted", 0],
  ["a garbage line", (l) => [l[0], "not json", ...l.slice(1)].join("\n") + "\n", "edited", 2],
];

for (const [what, tamper, kind, line] of TAMPERING) {
  Deno.test({
    ...opts,
    name: `verifyChain() catches ${what} in a real session's log`,
    async fn() {
      const { text, info } = await session();
      const result = verifyChain("s", tamper(lines(text)), info);
      assertEquals(result.status, "tampered", JSON.stringify(result));
      assertEquals(result.problem?.kind, kind, JSON.stringify(result));
      if (line > 0) assertEquals(result.problem?.line, line, JSON.stringify(result));
    },
  });
}

Deno.test({
  ...opts,
  name: "verifyChain() catches a rewritten seal and a changed nonce",
  async fn() {
    const { text, info } = await session();
    const l = lines(text);
    const seal = JSON.parse(l.at(-1)!);
    const forged = [
      ...l.slice(0, -1),
      JSON.stringify({ ...seal, time: "2020-01-01T00:00:00.000Z" }),
    ];
    assertEquals(verifyChain("s", forged.join("\n") + "\n", info).problem?.kind, "seal-mismatch");
    const header = JSON.parse(l[0]!);
    const forgedHeader = [JSON.stringify({ ...header, nonce: "00".repeat(32) }), ...l.slice(1)];
    assertEquals(
      verifyChain("s", forgedHeader.join("\n") + "\n", info).problem?.message,
      "the header was edited",
    );
  },
});

Deno.test("verifySession() tells a crashed session (no seal anywhere) from a cut log", async () => {
  const state = await Deno.makeTempDir();
  try {
    const env = { XDG_STATE_HOME: state };
    const log = SessionLog.open(
      { id: "crashed", started: "", port: 1, routes: [], profile: "p" },
      env,
    );
    for (let i = 0; i < 3; i++) {
      log.write({
        time: "",
        kind: "route",
        method: "GET",
        status: 200,
        bytesUp: 0,
        bytesDown: 0,
        durationMs: 0,
        decision: "allowed",
      });
    }
    // No close(): the process died.
    const result = verifySession("crashed", env);
    assertEquals([result.status, result.records, result.sealed], ["unsealed", 3, false]);
    log.close();
    assertEquals(verifySession("crashed", env).status, "intact");
  } finally {
    await Deno.remove(state, { recursive: true });
  }
});

Deno.test("sha256Hex() chains each record to the previous one's exact bytes", async () => {
  const state = await Deno.makeTempDir();
  try {
    const env = { XDG_STATE_HOME: state };
    const log = SessionLog.open(
      { id: "chain", started: "", port: 1, routes: [], profile: "p" },
      env,
    );
    const record = {
      time: "t",
      kind: "route" as const,
      method: "GET",
      status: 200,
      bytesUp: 0,
      bytesDown: 0,
      durationMs: 0,
      decision: "allowed",
    };
    log.write(record);
    log.write(record);
    log.close();
    const info = JSON.parse(Deno.readTextFileSync(`${log.dir}/session.json`));
    const l = lines(Deno.readTextFileSync(log.path));
    assertEquals(JSON.parse(l[0]!).kind, "start");
    assert(/^[0-9a-f]{64}$/.test(JSON.parse(l[0]!).nonce));
    assertEquals(JSON.parse(l[1]!).prev, sha256Hex(l[0]!));
    assertEquals(JSON.parse(l[2]!).prev, sha256Hex(l[1]!));
    assertEquals(info.sealed.hash, sha256Hex(l[3]!));
    assertEquals((Deno.statSync(`${log.dir}/session.json`).mode ?? 0) & 0o777, 0o600);
  } finally {
    await Deno.remove(state, { recursive: true });
  }
});

Deno.test({
  ...opts,
  name: "airlock audit verify exits 0 intact, 1 tampered, 3 unsealed, and prints JSON",
  async fn() {
    const { h } = await session();
    const run = async (args: string[]) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MAIN, "audit", "verify", ...args],
        env: { XDG_STATE_HOME: h.stateHome },
      }).output();
      return { code: out.code, stdout: new TextDecoder().decode(out.stdout) };
    };
    const ok = await run([h.proxy.sessionId]);
    assertEquals(ok.code, 0);
    assert(ok.stdout.includes(": intact ("), ok.stdout);
    const json = await run(["--all", "--json"]);
    assertEquals(JSON.parse(json.stdout.trim()).status, "intact");
    const path = h.proxy.auditPath;
    const original = Deno.readTextFileSync(path);
    try {
      Deno.writeTextFileSync(path, original.replace('"status":200', '"status":500'));
      const bad = await run([h.proxy.sessionId]);
      assertEquals(bad.code, 1);
      assert(bad.stdout.includes("TAMPERED: edited"), bad.stdout);
    } finally {
      Deno.writeTextFileSync(path, original);
    }
    const usage = await run([]);
    assertEquals(usage.code, 2);
  },
});

Deno.test({
  ...opts,
  name: "verify sessions close",
  async fn() {
    await shared?.h.close();
  },
});

Deno.test("appendChained() keeps one chain across writers, and re-seals after a seal", async () => {
  const state = await Deno.makeTempDir();
  try {
    const env = { XDG_STATE_HOME: state };
    const log = SessionLog.open(
      { id: "multi", started: "", port: 1, routes: [], profile: "p" },
      env,
    );
    const route = {
      time: "",
      kind: "route" as const,
      method: "GET",
      status: 200,
      bytesUp: 0,
      bytesDown: 0,
      durationMs: 0,
      decision: "allowed",
    };
    log.write(route);
    // Another writer of this process (rollback) appends in between (through the open log).
    assert(appendChained(log.dir, { kind: "rollback", event: "snapshot", snapshot: "s1" }));
    log.write(route);
    assert(appendChained(log.dir, { kind: "rollback", event: "after", snapshot: "s1" }));
    log.close();
    assertEquals(verifySession("multi", env).status, "intact");
    // After the session: a later record (airlock rollback restore) is chained and re-sealed.
    assert(appendChained(log.dir, { kind: "rollback", event: "restore", snapshot: "s1" }));
    const result = verifySession("multi", env);
    assertEquals([result.status, result.records], ["intact", 5]);
    const l = lines(Deno.readTextFileSync(log.path));
    assertEquals(l.map((x) => JSON.parse(x).kind), [
      "start",
      "route",
      "rollback",
      "route",
      "rollback",
      "seal",
      "rollback",
      "seal",
    ]);
    // Cutting the later record and its seal is caught: session.json has the new seal.
    Deno.writeTextFileSync(log.path, l.slice(0, 6).join("\n") + "\n");
    assertEquals(verifySession("multi", env).problem?.kind, "seal-mismatch");
  } finally {
    await Deno.remove(state, { recursive: true });
  }
});
