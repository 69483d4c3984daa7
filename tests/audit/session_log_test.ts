import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import {
  type AuditRecord,
  isValidSessionId,
  newSessionId,
  SessionLog,
} from "../../src/audit/session_log.ts";
import { listSessions, readSession } from "../../src/audit/read.ts";

const record: AuditRecord = {
  time: "2026-01-01T00:00:00.000Z",
  kind: "route",
  route: "openai",
  method: "POST",
  path: "/openai/v1/chat/completions",
  status: 200,
  bytesUp: 10,
  bytesDown: 20,
  durationMs: 3,
  decision: "allowed",
};

Deno.test("SessionLog writes JSONL under XDG_STATE_HOME with private modes, read back in order", async () => {
  const state = await Deno.makeTempDir();
  try {
    const env = { XDG_STATE_HOME: state };
    const log = SessionLog.open({
      id: "s1",
      started: "t",
      port: 1,
      routes: ["openai"],
      profile: "p",
    }, env);
    log.write(record);
    log.write({ ...record, status: 401, decision: "denied-token", detail: "no token" });
    log.close();
    log.write(record); // dropped after close
    assertEquals(log.path, `${state}/airlock/sessions/s1/audit.jsonl`);
    assertEquals((await Deno.stat(log.path)).mode! & 0o777, 0o600);
    assertEquals((await Deno.stat(log.dir)).mode! & 0o777, 0o700);
    const back = readSession("s1", env);
    // The chain's header, the two records, the seal.
    assertEquals(back.map((r) => r.kind === "rollback" ? r.event : r.decision), [
      undefined,
      "allowed",
      "denied-token",
      "sealed",
    ]);
    assertEquals(back.map((r) => r.seq), [0, 1, 2, 3]);
    const list = listSessions(env);
    assertEquals(list.length, 1);
    assertEquals(list[0]!.requests, 2);
    assertEquals(list[0]!.refused, 1);
    assertEquals(list[0]!.routes, ["openai"]);
  } finally {
    await Deno.remove(state, { recursive: true });
  }
});

Deno.test("readSession() skips a torn last line and refuses ids that are paths", async () => {
  const state = await Deno.makeTempDir();
  try {
    const env = { XDG_STATE_HOME: state };
    await Deno.mkdir(`${state}/airlock/sessions/s2`, { recursive: true });
    await Deno.writeTextFile(
      `${state}/airlock/sessions/s2/audit.jsonl`,
      JSON.stringify(record) + '\n{"time":',
    );
    assertEquals(readSession("s2", env).length, 1);
    for (const bad of ["../x", "a/b", "", "."]) {
      assert(!isValidSessionId(bad));
    }
  } finally {
    await Deno.remove(state, { recursive: true });
  }
});

Deno.test("newSessionId() sorts by start time and is unique", () => {
  const a = newSessionId();
  const b = newSessionId();
  assert(a !== b && isValidSessionId(a));
});

Deno.test("listSessions() is empty when nothing was recorded", () => {
  assertEquals(listSessions({ XDG_STATE_HOME: "/nonexistent-airlock-state" }), []);
});
