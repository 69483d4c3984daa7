import { deepEqual, equal, ok } from "node:assert/strict";
import { envRecord, writeEnvRecord } from "../../src/audit/env_record.ts";
import type { EnvPolicy } from "../../src/policy/types.ts";

const ENV: EnvPolicy = {
  vars: { PATH: "/usr/bin", MODE: "dev", GITHUB_TOKEN: "ghp_value-never-recorded" },
  removed: ["PGPASSWORD", "LANG"],
  set: ["MODE"],
  reasons: {
    PGPASSWORD: "not on the allowlist (the name looks like a credential)",
    LANG: "the value looks like a GitHub token",
  },
  unchecked: ["GITHUB_TOKEN"],
};

Deno.test("envRecord() keeps names and reasons, never values", () => {
  const rec = envRecord(ENV);
  deepEqual(rec.passed, ["GITHUB_TOKEN", "MODE", "PATH"]);
  deepEqual(rec.removed, [
    { name: "PGPASSWORD", reason: "not on the allowlist (the name looks like a credential)" },
    { name: "LANG", reason: "the value looks like a GitHub token" },
  ]);
  deepEqual(rec.unchecked, ["GITHUB_TOKEN"]);
  ok(!JSON.stringify(rec).includes("never-recorded"));
});

Deno.test("writeEnvRecord() writes environment.json with mode 0600 and leaves no temp file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = writeEnvRecord(dir, ENV);
    equal(path, `${dir}/environment.json`);
    equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    deepEqual(JSON.parse(await Deno.readTextFile(path)), envRecord(ENV));
    deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["environment.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeEnvRecord() fails with exit 125 when the session directory is gone", () => {
  try {
    writeEnvRecord("/nonexistent/airlock-session", ENV);
    throw new Error("expected an error");
  } catch (err) {
    equal((err as Error & { exitCode?: number }).exitCode, 125);
    ok((err as Error).message.startsWith("Cannot record the session's environment"));
  }
});
