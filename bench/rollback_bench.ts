/**
 * Rollback benchmark (issue 12): on a generated tree of 20,000 files / ~300 MB (sizes
 * log-normal around 4 KiB, as in a source repository), warm cache, in one invocation:
 *
 * - full snapshot: airlock (fresh store) against `cp -a` and `rsync -a` to a fresh mirror
 *   (and `cp -a` + `sync`, since airlock's snapshot is durable and cp's is not);
 * - incremental snapshot after 1 % of the files changed: airlock against `rsync -a` to
 *   the existing mirror and `git add -A && git commit`;
 * - restore after `rm -rf` of the tree: airlock against `cp -a` from a mirror;
 * - store size against the tree's.
 *
 * airlock's times are taken in this process around the library calls (a run pays them
 * inside a process that is already running); the baselines are whole processes.
 * Goals: full ≤ cp -a; incremental ≤ 0.5× rsync -a and ≤ git; restore ≤ cp -a; store
 * ≤ 1.1× the tree.
 *
 * Usage: `deno run -A bench/rollback_bench.ts [--files N] [--rounds N] [--json]`
 *
 * @module
 */

import { parseArgs } from "node:util";
import { baseRules } from "../src/rollback/exclusions.ts";
import { DEFAULT_GUARD, GuardMatcher } from "../src/rollback/guard_patterns.ts";
import { restoreSnapshot } from "../src/rollback/restore.ts";
import { takeSnapshot } from "../src/rollback/snapshot.ts";
import { Store } from "../src/rollback/store.ts";
import type { Manifest } from "../src/rollback/types.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    files: { type: "string", default: "20000" },
    rounds: { type: "string", default: "3" },
    json: { type: "boolean", default: false },
  },
});
const FILES = Math.max(100, Number(values.files) || 20000);
const ROUNDS = Math.max(1, Number(values.rounds) || 3);
const root = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "airlock-rollback-bench-" });
const tree = `${root}/tree`;
const git = `git --git-dir=${root}/git --work-tree=${tree} -c user.name=b -c user.email=b@b`;

/** xorshift32, so every run generates the same tree. */
let seed = 0x2545f491;
function rnd(): number {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed / 4294967296;
}
function gauss(): number {
  return Math.sqrt(-2 * Math.log(rnd() || 1e-9)) * Math.cos(2 * Math.PI * rnd());
}

/** Writes the tree: ~1 directory per 15 files, depth ≤ 6, log-normal sizes (cap 8 MiB). */
function generate(dir: string, files: number): { paths: string[]; bytes: number } {
  const pool = new Uint8Array(32 << 20);
  for (let i = 0; i < pool.length; i += 65536) crypto.getRandomValues(pool.subarray(i, i + 65536));
  const dirs = [""];
  const paths: string[] = [];
  let bytes = 0;
  Deno.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < files; i++) {
    if (i % 15 === 0) {
      const d = `${dirs[Math.floor(rnd() * dirs.length)]}/d${dirs.length}`;
      if (d.split("/").length <= 7) {
        Deno.mkdirSync(dir + d);
        dirs.push(d);
      }
    }
    const size = Math.min(Math.round(4096 * Math.exp(1.6 * gauss())), 8 << 20);
    const off = Math.floor(rnd() * (pool.length - size - 8));
    const data = pool.slice(off, off + size);
    if (size >= 4) new DataView(data.buffer).setUint32(0, i);
    const path = `${dirs[Math.floor(rnd() * dirs.length)]}/f${i}.txt`.slice(1);
    Deno.writeFileSync(`${dir}/${path}`, data);
    paths.push(path);
    bytes += size;
  }
  return { paths, bytes };
}

async function sh(script: string): Promise<number> {
  const start = performance.now();
  const out = await new Deno.Command("sh", {
    args: ["-c", script],
    stdout: "null",
    stderr: "piped",
  })
    .output();
  if (!out.success) {
    throw new Error(`Cannot benchmark "${script}": ${new TextDecoder().decode(out.stderr).trim()}`);
  }
  return performance.now() - start;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function duBytes(dir: string): number {
  let n = 0;
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) walk(p);
      else n += Deno.lstatSync(p).size;
    }
  };
  walk(dir);
  return n;
}

const guard = new GuardMatcher(DEFAULT_GUARD);
const rules = baseRules([], [...DEFAULT_GUARD]);
function snapshot(store: Store, base: Manifest | null): { ms: number; manifest: Manifest } {
  const start = performance.now();
  const manifest = takeSnapshot({ store, kind: "before", rules, liveRules: true, guard, base });
  return { ms: performance.now() - start, manifest };
}

const t: Record<string, number[]> = {};
const add = (name: string, ms: number) => (t[name] ??= []).push(ms);
let storeBytes = 0;
let treeBytes = 0;
let reads = 0;
try {
  const gen = generate(tree, FILES);
  treeBytes = gen.bytes;
  await sh(
    `cat $(find ${tree} -type f) > /dev/null 2>&1 || find ${tree} -type f -exec cat {} + > /dev/null`,
  );
  await sh(
    `${git} init -q && ${git} add -A && ${git} commit -qm base`,
  );
  await sh(`rsync -a ${tree}/ ${root}/rsync-mirror/`);
  for (let round = 0; round < ROUNDS; round++) {
    // Every copy goes to a fresh target whose removal (and sync) is not timed.
    await sh(`rm -rf ${root}/cp && sync`);
    add("cp -a", await sh(`cp -a ${tree} ${root}/cp`));
    await sh(`rm -rf ${root}/cp && sync`);
    add("cp -a + sync", await sh(`cp -a ${tree} ${root}/cp && sync`));
    await sh(`rm -rf ${root}/rs && sync`);
    add("rsync -a (fresh mirror)", await sh(`rsync -a ${tree}/ ${root}/rs/`));
    await sh("sync");
    await Deno.remove(`${root}/store`, { recursive: true }).catch(() => {});
    const store = Store.open(`${root}/store`, tree, true);
    const full = snapshot(store, null);
    add("airlock full snapshot", full.ms);
    storeBytes = duBytes(`${root}/store`);

    // 1 % of the files change (new content, same paths).
    for (let i = 0; i < FILES / 100; i++) {
      const path = gen.paths[Math.floor(rnd() * gen.paths.length)]!;
      Deno.writeTextFileSync(`${tree}/${path}`, `changed ${round} ${i}\n`.repeat(1 + (i % 50)));
    }
    await sh("sync");
    add("rsync -a (incremental)", await sh(`rsync -a ${tree}/ ${root}/rsync-mirror/`));
    add(
      "git add -A && git commit",
      await sh(
        `${git} add -A && ${git} commit -qm r${round}`,
      ),
    );
    const inc = snapshot(store, full.manifest);
    add("airlock incremental snapshot", inc.ms);
    reads = inc.manifest.stats.read;

    // Restore after rm -rf. Both start the same way: a 20,000-file tree removed, then sync
    // (creating files right after removing many is slower on ext4; neither is spared it).
    await sh(`[ -d ${root}/cp2 ] || cp -a ${root}/cp ${root}/cp2`);
    await sh(`rm -rf ${root}/cp2 && sync`);
    add("cp -a (restore)", await sh(`cp -a ${root}/cp ${root}/cp2`));
    await sh(`rm -rf ${root}/cp2 && sync`);
    add("cp -a + sync (restore)", await sh(`cp -a ${root}/cp ${root}/cp2 && sync`));
    await sh(`rm -rf ${tree} && mkdir ${tree} && sync`);
    const start = performance.now();
    restoreSnapshot(store, inc.manifest);
    add("airlock restore after rm -rf", performance.now() - start);
    // Restored files carry new mtimes: bring rsync's mirror and git's index up to date
    // (unmeasured) so that the next round's incremental baselines see only 1 % changed.
    await sh(
      `rsync -a ${tree}/ ${root}/rsync-mirror/ && ${git} add -A && (${git} commit -qm sync || true)`,
    );
    store.close();
  }
} finally {
  await Deno.remove(root, { recursive: true });
}

const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)]));
const ratios = {
  full_over_cp: m["airlock full snapshot"]! / m["cp -a"]!,
  full_over_cp_sync: m["airlock full snapshot"]! / m["cp -a + sync"]!,
  incremental_over_rsync: m["airlock incremental snapshot"]! / m["rsync -a (incremental)"]!,
  incremental_over_git: m["airlock incremental snapshot"]! / m["git add -A && git commit"]!,
  restore_over_cp: m["airlock restore after rm -rf"]! / m["cp -a (restore)"]!,
  restore_over_cp_sync: m["airlock restore after rm -rf"]! / m["cp -a + sync (restore)"]!,
  store_over_tree: storeBytes / treeBytes,
};
if (values.json) {
  console.log(
    JSON.stringify({
      files: FILES,
      bytes: treeBytes,
      rounds: ROUNDS,
      medians_ms: m,
      ratios,
      reads,
    }),
  );
} else {
  console.log(
    `rollback benchmark: ${FILES} files, ${
      (treeBytes / 1e6).toFixed(0)
    } MB, ${ROUNDS} rounds, median`,
  );
  for (const [k, v] of Object.entries(m)) {
    console.log(`  ${k.padEnd(30)} ${v.toFixed(0).padStart(7)} ms`);
  }
  const goal = (x: number, limit: number) =>
    `${x.toFixed(2)}× (goal ≤ ${limit}: ${x <= limit ? "met" : "NOT met"})`;
  console.log(`full snapshot / cp -a          = ${goal(ratios.full_over_cp, 1)}`);
  console.log(`full snapshot / cp -a + sync   = ${ratios.full_over_cp_sync.toFixed(2)}×`);
  console.log(
    `incremental / rsync -a         = ${
      goal(ratios.incremental_over_rsync, 0.5)
    } (read ${reads} files)`,
  );
  console.log(`incremental / git commit       = ${goal(ratios.incremental_over_git, 1)}`);
  console.log(`restore / cp -a                = ${goal(ratios.restore_over_cp, 1)}`);
  console.log(`restore / cp -a + sync         = ${ratios.restore_over_cp_sync.toFixed(2)}×`);
  console.log(`store / tree                   = ${goal(ratios.store_over_tree, 1.1)}`);
}
