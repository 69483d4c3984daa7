/**
 * Test driver: takes one snapshot of a workdir the way `airlock run --rollback` does, in
 * its own process; with `--kill-halfway` it SIGKILLs itself once half of the files to
 * read are read, to prove a killed snapshot leaves the store as it was. Prints the
 * manifest's id, root and stats as JSON, and the process's `rchar` (bytes read, from
 * /proc/self/io) before and after the snapshot.
 *
 * Usage: `deno run -A _snapshot_driver.ts WORKDIR [--kill-halfway]`
 */

import { baseRules } from "../../src/rollback/exclusions.ts";
import { DEFAULT_GUARD, GuardMatcher } from "../../src/rollback/guard_patterns.ts";
import { takeSnapshot } from "../../src/rollback/snapshot.ts";
import { Store, storeDirFor } from "../../src/rollback/store.ts";

function rchar(): number {
  const m = /rchar: (\d+)/.exec(Deno.readTextFileSync("/proc/self/io"));
  return Number(m?.[1] ?? -1);
}

const [workdir, flag] = Deno.args;
const store = Store.open(storeDirFor(workdir!), workdir!, true);
store.lock(false);
const guard = new GuardMatcher(DEFAULT_GUARD);
const base = store.latest();
const before = rchar();
const m = takeSnapshot({
  store,
  kind: "before",
  rules: baseRules([], [...DEFAULT_GUARD]),
  liveRules: true,
  guard,
  base,
  onProgress: (p) => {
    if (flag === "--kill-halfway" && p.phase === "read" && p.files * 2 >= p.totalFiles) {
      Deno.kill(Deno.pid, "SIGKILL");
    }
  },
});
const after = rchar();
console.log(JSON.stringify({ id: m.id, root: m.root, stats: m.stats, rchar: after - before }));
