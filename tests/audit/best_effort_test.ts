import { deepEqual, equal } from "node:assert/strict";
import { bestEffortLogPath, recordBestEffort } from "../../src/audit/best_effort.ts";
import { stateDir } from "../../src/state_dir.ts";
import type { Policy } from "../../src/policy/types.ts";

Deno.test("stateDir() prefers an absolute XDG_STATE_HOME, else ~/.local/state", () => {
  equal(stateDir({ XDG_STATE_HOME: "/s/" }), "/s/airlock");
  equal(stateDir({ XDG_STATE_HOME: "relative", HOME: "/h" }), "/h/.local/state/airlock");
  equal(stateDir({ HOME: "/h" }), "/h/.local/state/airlock");
});

Deno.test("recordBestEffort() appends one private JSON line per run, argv[0] only", async () => {
  const dir = await Deno.makeTempDir();
  const saved = Deno.env.get("XDG_STATE_HOME");
  Deno.env.set("XDG_STATE_HOME", dir);
  try {
    const policy = { profile: "default", cwd: "/w" } as Policy;
    const report = { enforced: ["fs"], dropped: ["net.tcp"] };
    await recordBestEffort(policy, report, ["curl", "--secret-looking-arg"]);
    await recordBestEffort(policy, report, ["true"]);
    const path = bestEffortLogPath();
    equal(path, `${dir}/airlock/best-effort.jsonl`);
    equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    const lines = (await Deno.readTextFile(path)).trim().split("\n").map((l) => JSON.parse(l));
    equal(lines.length, 2);
    equal(lines[0].program, "curl");
    deepEqual(lines[0].dropped, ["net.tcp"]);
    equal(JSON.stringify(lines).includes("--secret-looking-arg"), false);
  } finally {
    if (saved === undefined) Deno.env.delete("XDG_STATE_HOME");
    else Deno.env.set("XDG_STATE_HOME", saved);
    await Deno.remove(dir, { recursive: true });
  }
});
