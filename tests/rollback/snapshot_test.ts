/**
 * Snapshots against a real filesystem: incremental snapshots read only what changed
 * (counted by the snapshot and by the kernel's per-process read counter), a changed file
 * whose mtime was set back is still caught, and a snapshot killed half way leaves the
 * previous one intact and usable.
 */

import { deepEqual, equal, notEqual, ok } from "node:assert/strict";
import { cli, hashListing, rollbackDirs, writeTree } from "./_tree.ts";
import { runProcess } from "../_process.ts";

const linuxOnly = { ignore: Deno.build.os !== "linux" };
const DRIVER = new URL("./_snapshot_driver.ts", import.meta.url).pathname;

interface DriverOut {
  id: string;
  root: string;
  stats: { files: number; read: number; readBytes: number; stored: number };
  rchar: number;
}

async function snapshot(
  d: { work: string; env: Record<string, string> },
  flag?: string,
): Promise<DriverOut | null> {
  const r = await runProcess(Deno.execPath(), [
    "run",
    "-A",
    DRIVER,
    d.work,
    ...(flag ? [flag] : []),
  ], {
    env: d.env,
  });
  if (flag === "--kill-halfway") {
    equal(r.signal, "SIGKILL", r.stderr);
    return null;
  }
  equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as DriverOut;
}

/** 300 files of 64 KiB: big enough that a full read shows in rchar. */
async function bigTree(work: string): Promise<void> {
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i < 300; i++) {
    const data = new Uint8Array(64 * 1024);
    crypto.getRandomValues(data.subarray(0, 65536));
    files[`bulk/d${i % 10}/f${i}.bin`] = data;
  }
  await writeTree(work, files);
}

Deno.test("takeSnapshot() incremental reads only the changed files", linuxOnly, async () => {
  await using d = await rollbackDirs();
  await bigTree(d.work);
  // Let every ctime fall out of the racy window of the first snapshot.
  await new Promise((r) => setTimeout(r, 2100));
  const first = (await snapshot(d))!;
  ok(first.stats.read >= 300);
  ok(first.rchar >= 300 * 65536, `first snapshot read ${first.rchar} bytes`);

  await Deno.writeTextFile(`${d.work}/bulk/d1/f1.bin`, "changed");
  await Deno.writeTextFile(`${d.work}/src/main.ts`, "export const x = 2;\n");
  await Deno.writeTextFile(`${d.work}/new.txt`, "new\n");
  const second = (await snapshot(d))!;
  equal(second.stats.read, 3, "read exactly the two changed files and the new one");
  equal(second.stats.stored, 3);
  // Independent of the snapshot's own counter: the kernel saw far less than the tree read.
  ok(second.rchar < 2 * 1024 * 1024, `second snapshot read ${second.rchar} bytes`);
  notEqual(second.root, first.root);
});

Deno.test(
  "takeSnapshot() catches a same-size change whose mtime was set back",
  linuxOnly,
  async () => {
    await using d = await rollbackDirs();
    await new Promise((r) => setTimeout(r, 2100));
    const first = (await snapshot(d))!;
    const path = `${d.work}/src/main.ts`;
    const info = await Deno.lstat(path);
    await Deno.writeTextFile(path, "export const y = 1;\n"); // same length
    await Deno.utime(path, info.atime!, info.mtime!); // an agent hiding its change
    equal((await Deno.lstat(path)).mtime?.getTime(), info.mtime?.getTime());
    const second = (await snapshot(d))!;
    equal(second.stats.read, 1);
    notEqual(second.root, first.root);
  },
);

Deno.test(
  "a snapshot killed half way leaves the previous snapshot intact and usable",
  linuxOnly,
  async () => {
    await using d = await rollbackDirs();
    const baseline = hashListing(d.work);
    const first = (await snapshot(d))!;
    await bigTree(d.work);
    await snapshot(d, "--kill-halfway");

    const list = JSON.parse((await cli(d, ["rollback", "list", "--json"])).stdout);
    deepEqual(list.map((s: { id: string }) => s.id), [first.id], "only the first snapshot exists");
    const verify = await cli(d, ["rollback", "verify", first.id]);
    equal(verify.code, 0, verify.stderr + verify.stdout);
    const restore = await cli(d, ["rollback", "restore", first.id]);
    equal(restore.code, 0, restore.stderr);
    deepEqual(hashListing(d.work), baseline);

    // The killed snapshot's temporary pack is left for cleanup, which removes it.
    const storeDir = [...Deno.readDirSync(`${d.state}/airlock/rollback`)][0]!.name;
    const packs = () => [...Deno.readDirSync(`${d.state}/airlock/rollback/${storeDir}/packs`)];
    ok(packs().some((e) => e.name.endsWith(".tmp")), "a stray temporary pack");
    const cleanup = await cli(d, ["rollback", "cleanup"]);
    equal(cleanup.code, 0, cleanup.stderr);
    ok(!packs().some((e) => e.name.endsWith(".tmp")));
    equal((await cli(d, ["rollback", "verify", first.id])).code, 0);
  },
);
