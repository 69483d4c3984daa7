/**
 * Rollback on both launch paths and through both flag parsers: a run without the proxy
 * (supervised because rollback needs this process back), a run with the session proxy
 * (one session: the proxy records into the snapshot's audit log), a tree deleted whole,
 * and `--rollback`/`--no-rollback` as the fast path and commander parse them.
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { parseFastRun } from "../../src/cli/fast_run.ts";
import { cli, hashListing, REPO, rollbackDirs, snapshotIdOf } from "./_tree.ts";

const linuxOnly = { ignore: Deno.build.os !== "linux" };

function hasScript(): boolean {
  try {
    return Deno.statSync("/usr/bin/script").isFile;
  } catch {
    return false;
  }
}

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

Deno.test("a long snapshot shows progress on a terminal, and none without one", {
  ignore: Deno.build.os !== "linux" || !hasScript(),
}, async () => {
  await using d = await rollbackDirs();
  for (let i = 0; i < 2500; i++) {
    if (i % 100 === 0) await Deno.mkdir(`${d.work}/many/d${i / 100}`, { recursive: true });
    await Deno.writeTextFile(`${d.work}/many/d${Math.floor(i / 100)}/f${i}`, `${i}\n`);
  }
  const inner =
    `cd ${d.work} && ${Deno.execPath()} run -A --quiet ${REPO}main.ts run --rollback -- /bin/true`;
  const out = await new Deno.Command("script", {
    args: ["-qec", inner, "/dev/null"],
    env: d.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  equal(out.code, 0, text);
  match(text, /airlock: snapshot: scanning, \d+ files/);
  match(text, /rollback snapshot \d{8}T\d{6}Z-[0-9a-f]{6}: 25\d\d files/);
  const piped = await cli(d, ["run", "--rollback", "--", "/bin/true"]);
  ok(!piped.stderr.includes("scanning"), piped.stderr);
});
