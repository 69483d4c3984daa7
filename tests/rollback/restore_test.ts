/**
 * Restore and the rollback commands' failure cases against a real filesystem: a
 * directory swapped for a link to outside is replaced, never written through; selected
 * paths are restored alone; a corrupt object, an unknown id, a store from a newer airlock
 * and a missing workdir each give one clear line and their documented exit code.
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { cli, hashListing, REPO, rollbackDirs, snapshotIdOf } from "./_tree.ts";

const linuxOnly = { ignore: Deno.build.os !== "linux" };

/** Takes a snapshot through a run that changes nothing. */
async function snap(d: Awaited<ReturnType<typeof rollbackDirs>>): Promise<string> {
  const run = await cli(d, ["run", "--rollback", "--", "/bin/true"]);
  equal(run.code, 0, run.stderr);
  return snapshotIdOf(run.stderr);
}

function storeDir(d: { state: string }): string {
  const root = `${d.state}/airlock/rollback`;
  return `${root}/${[...Deno.readDirSync(root)][0]!.name}`;
}

Deno.test(
  "restore replaces a directory swapped for a link to outside, and never writes through it",
  linuxOnly,
  async () => {
    await using d = await rollbackDirs();
    const id = await snap(d);
    const baseline = hashListing(d.work);
    await Deno.writeTextFile(`${d.outside}/main.ts`, "outside copy\n");
    const outsideBefore = hashListing(d.outside);
    await Deno.remove(`${d.work}/src`, { recursive: true });
    await Deno.symlink(d.outside, `${d.work}/src`);
    const restore = await cli(d, ["rollback", "restore", id]);
    equal(restore.code, 0, restore.stderr);
    deepEqual(hashListing(d.work), baseline);
    deepEqual(hashListing(d.outside), outsideBefore);
  },
);

Deno.test("restore PATH… restores only those paths", linuxOnly, async () => {
  await using d = await rollbackDirs();
  const id = await snap(d);
  await Deno.writeTextFile(`${d.work}/README.md`, "changed\n");
  await Deno.writeTextFile(`${d.work}/docs/guide.md`, "changed\n");
  await Deno.writeTextFile(`${d.work}/docs/extra.md`, "added\n");
  const restore = await cli(d, ["rollback", "restore", id, "docs"]);
  equal(restore.code, 0, restore.stderr);
  equal(await Deno.readTextFile(`${d.work}/docs/guide.md`), "guide\n");
  ok(!(await Deno.lstat(`${d.work}/docs/extra.md`).then(() => true, () => false)));
  equal(await Deno.readTextFile(`${d.work}/README.md`), "changed\n", "outside the selection");
  const outside = await cli(d, ["rollback", "restore", id, "/etc"]);
  equal(outside.code, 2);
  match(outside.stderr, /Cannot restore "\/etc": it is not inside the workdir/);
});

Deno.test(
  "a corrupt object: verify names it (exit 1), restore refuses it (exit 1) and leaves no temporary file",
  linuxOnly,
  async () => {
    await using d = await rollbackDirs();
    const id = await snap(d);
    const packs = `${storeDir(d)}/packs`;
    const pack = [...Deno.readDirSync(packs)].find((e) => e.name.endsWith(".pack"))!.name;
    const bytes = await Deno.readFile(`${packs}/${pack}`);
    bytes[0] = bytes[0]! ^ 0xff;
    await Deno.writeFile(`${packs}/${pack}`, bytes);

    const verify = await cli(d, ["rollback", "verify", id]);
    equal(verify.code, 1, verify.stderr);
    match(
      verify.stderr,
      /object [0-9a-f]{64} \([^)]+\): corrupt, its content hashes to [0-9a-f]{64}/,
    );
    match(verify.stderr, /Cannot verify snapshot .*: 1 problem found/);

    await Deno.remove(`${d.work}`, { recursive: true });
    await Deno.mkdir(d.work);
    const restore = await cli(d, ["rollback", "restore", id]);
    equal(restore.code, 1, restore.stderr);
    match(restore.stderr, /Cannot restore .*: object [0-9a-f]{64} is corrupt/);
    const left = hashListing(d.work).filter((l) => l.includes(".tmp"));
    deepEqual(left, []);
  },
);

Deno.test("rollback show|restore|verify of an unknown id: one line, exit 3", async () => {
  await using d = await rollbackDirs();
  for (const cmd of ["show", "restore", "verify"]) {
    const r = await cli(d, ["rollback", cmd, "20990101T000000Z-abcdef"]);
    equal(r.code, 3, `${cmd}: ${r.stderr}`);
    match(r.stderr, /^airlock: Cannot find snapshot "20990101T000000Z-abcdef": no such snapshot\n/);
  }
});

Deno.test(
  "a store written by a newer airlock: one line, exit 4, also for airlock run --rollback",
  linuxOnly,
  async () => {
    await using d = await rollbackDirs();
    const id = await snap(d);
    await Deno.writeTextFile(
      `${storeDir(d)}/store.json`,
      JSON.stringify({ version: 99, workdir: d.work }),
    );
    const show = await cli(d, ["rollback", "show", id]);
    equal(show.code, 4, show.stderr);
    match(show.stderr, /written by a newer airlock \(layout 99, this one reads 1\)/);
    const run = await cli(d, ["run", "--rollback", "--", "/bin/sh", "-c", "touch ran"]);
    equal(run.code, 4, run.stderr);
    ok(!(await Deno.lstat(`${d.work}/ran`).then(() => true, () => false)));
  },
);

Deno.test("restore into a workdir that is no longer a directory: exit 2", linuxOnly, async () => {
  await using d = await rollbackDirs();
  const id = await snap(d);
  await Deno.remove(d.work, { recursive: true });
  await Deno.writeTextFile(d.work, "a file now");
  const r = await cli(d, ["rollback", "restore", id], d.root);
  equal(r.code, 2, r.stderr);
  match(r.stderr, /Cannot restore snapshot .*: .* is not a directory/);
});

Deno.test(
  "rollback cleanup --keep 1 drops older snapshots and their objects",
  linuxOnly,
  async () => {
    await using d = await rollbackDirs();
    const first = await snap(d);
    await Deno.writeTextFile(`${d.work}/README.md`, "second version\n");
    const second = await snap(d);
    const r = await cli(d, ["rollback", "cleanup", "--keep", "1", "--json"]);
    equal(r.code, 0, r.stderr);
    deepEqual(JSON.parse(r.stdout)[0].snapshots, [first]);
    equal((await cli(d, ["rollback", "show", first])).code, 3);
    equal((await cli(d, ["rollback", "verify", second])).code, 0);
    const bad = await cli(d, ["rollback", "cleanup", "--older-than", "soon"]);
    equal(bad.code, 2);
    match(bad.stderr, /Cannot parse --older-than/);
  },
);

Deno.test("restore refuses while a run in the workdir is still going", linuxOnly, async () => {
  await using d = await rollbackDirs();
  const id = await snap(d);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      `${REPO}main.ts`,
      "run",
      "--rollback",
      "--",
      "/bin/sh",
      "-c",
      "echo started; sleep 3",
    ],
    cwd: d.work,
    env: d.env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = child.stdout.getReader();
  await reader.read(); // "started": the snapshot is taken, the command runs
  const r = await cli(d, ["rollback", "restore", id]);
  equal(r.code, 125, r.stderr);
  match(r.stderr, /Cannot restore snapshot .*: an airlock run in .* is still going/);
  reader.releaseLock();
  await child.stdout.cancel();
  await child.stderr.cancel();
  equal((await child.status).code, 0);
  equal((await cli(d, ["rollback", "restore", id])).code, 0);
});
