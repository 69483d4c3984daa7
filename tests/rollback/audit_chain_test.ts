/**
 * Rollback's records go through the session's tamper-evident chain: a run with the proxy
 * shares one chain with it, a run without gets its own sealed session, and a later
 * `airlock rollback restore` appends to the snapshot's session under the log's lock and
 * seals it again — so `airlock audit verify --all` finds every session intact.
 */

import { equal, ok } from "node:assert/strict";
import { cli, rollbackDirs, snapshotIdOf } from "./_tree.ts";

const linuxOnly = { ignore: Deno.build.os !== "linux" };

Deno.test(
  "rollback records keep every session's audit chain intact and sealed",
  linuxOnly,
  async () => {
    await using d = await rollbackDirs();
    const alone = await cli(d, ["run", "--rollback", "--", "/bin/sh", "-c", "echo x >> README.md"]);
    equal(alone.code, 0, alone.stderr);
    const withProxy = await cli(d, [
      "run",
      "--rollback",
      "--allow-domain",
      "example.com",
      "--",
      "/bin/sh",
      "-c",
      "rm README.md",
    ]);
    equal(withProxy.code, 0, withProxy.stderr);
    const restored = await cli(d, ["rollback", "restore", snapshotIdOf(withProxy.stderr)]);
    equal(restored.code, 0, restored.stderr);
    const verify = await cli(d, ["audit", "verify", "--all", "--json"]);
    equal(verify.code, 0, verify.stdout + verify.stderr);
    const results = verify.stdout.trim().split("\n").map((l) => JSON.parse(l)) as {
      status: string;
      sealed: boolean;
    }[];
    equal(results.length, 2, verify.stdout); // the two runs (the restore joins the second)
    ok(results.every((r) => r.status === "intact" && r.sealed), verify.stdout);
  },
);
