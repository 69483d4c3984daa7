import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { auditRecords, startHarness, waitForRecord } from "../proxy/_support/harness.ts";

async function curl(args: string[], env: Record<string, string>) {
  const out = await new Deno.Command("curl", {
    args: ["-sS", "--max-time", "20", ...args],
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("curl through interception: phantom token in, real key only upstream, via intercept", async () => {
  const h = await startHarness();
  try {
    const env: Record<string, string> = {
      ...h.proxy.env,
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    };
    const token = env.OPENAI_API_KEY!;
    const r = await curl([
      "-H",
      `authorization: Bearer ${token}`,
      "https://api.openai.com/v1/models",
    ], env);
    assertEquals(r.code, 0, r.stderr + JSON.stringify(auditRecords(h)));
    const seen = h.up.seen.at(-1)!;
    assertEquals(seen.headers["authorization"], `Bearer ${h.secrets.openai}`);
    assert(!r.stdout.includes(h.secrets.openai));
    const rec = auditRecords(h).find((x) => x.kind === "route" && x.via === "intercept");
    assertEquals(rec?.decision, "allowed");
    await waitForRecord(h, (x) => x.kind === "connect" && x.decision === "intercepted");
  } finally {
    await h.close();
  }
});
