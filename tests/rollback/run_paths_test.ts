/**
 * Rollback on both launch paths and through both flag parsers: a run without the proxy
 * (supervised because rollback needs this process back), a run with the session proxy
 * (one session: the proxy records into the snapshot's audit log), a tree deleted whole,
 * and `--rollback`/`--no-rollback` as the fast path and commander parse them.
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { parseFastRun } from "../../src/cli/fast_run.ts";
import { cli, hashListing, rollbackDirs, snapshotIdOf } from "./_tree.ts";

const linuxOnly = { ignore: Deno.build.os !== "linux" };

Deno.test("parseFastRun() reads --rollback, --no-rollback and --accept-guarded like commander", () => {
  equal(parseFastRun(["run", "--rollback", "--", "x"])?.values.rollback, true);
  equal(parseFastRun(["run", "--no-rollback", "--", "x"])?.values.rollback, false);
  equal(parseFastRun(["run", "--", "x"])?.values.rollback, undefined);
  equal(parseFastRun(["run", "--accept-guarded", "--", "x"])?.values.acceptGuarded, true);
  // Both given: the order decides, which only commander knows.
  equal(parseFastRun(["run", "--rollback", "--no-rollback", "--", "x"]), null);
});

Deno.test(
  "airlock run --rollback -- rm -rf everything: restore brings the whole tree back",
  linuxOnly,
  async () => {
    await using d = await rollbackDirs();
    const baseline = hashListing(d.work);
    const run = await cli(d, [
      "run",
      "--rollback",
      "--",
      "/bin/sh",
      "-c",
      "rm -rf ./* ./.[!.]* && ls -A | wc -l",
    ]);
    equal(run.code, 0, run.stderr);
    equal(run.stdout.trim(), "0", "the confined command emptied the workdir");
    match(run.stderr, /\d+ removed/);
    const id = snapshotIdOf(run.stderr);
    const restore = await cli(d, ["rollback", "restore", id]);
    equal(restore.code, 0, restore.stderr);
    deepEqual(hashListing(d.work), baseline);
  },
);

Deno.test(
  "airlock run --rollback with the session proxy: one session holds the proxy's and the snapshot's records",
  linuxOnly,
  async () => {
    await using d = await rollbackDirs();
    const run = await cli(d, [
      "run",
      "--rollback",
      "--allow-domain",
      "example.invalid",
      "--",
      "/bin/sh",
      "-c",
      'test -n "$HTTPS_PROXY" && echo changed > README.md',
    ]);
    equal(run.code, 0, run.stderr);
    const id = snapshotIdOf(run.stderr);
    match(run.stderr, /1 changed/);
    const sessions = [...Deno.readDirSync(`${d.state}/airlock/sessions`)].map((e) => e.name);
    equal(sessions.length, 1, "the proxy used the snapshot's session");
    const dir = `${d.state}/airlock/sessions/${sessions[0]}`;
    const info = JSON.parse(await Deno.readTextFile(`${dir}/session.json`));
    ok(info.port > 0, "session.json is the proxy's");
    const log = await Deno.readTextFile(`${dir}/audit.jsonl`);
    match(log, new RegExp(`"event":"snapshot","snapshot":"${id}"`));
    match(log, /"event":"after"/);
  },
);
