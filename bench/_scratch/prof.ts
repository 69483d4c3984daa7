import { baseRules } from "../../src/rollback/exclusions.ts";
import { DEFAULT_GUARD, GuardMatcher } from "../../src/rollback/guard_patterns.ts";
import { takeSnapshot } from "../../src/rollback/snapshot.ts";
import { restoreSnapshot } from "../../src/rollback/restore.ts";
import { Store } from "../../src/rollback/store.ts";
import { scanTree } from "../../src/rollback/scan.ts";
import { Exclusions } from "../../src/rollback/exclusions.ts";
import { merkleRoot } from "../../src/rollback/merkle.ts";
const tree = Deno.args[0]!;
const storeDir = "/var/tmp/rbprof-store";
await Deno.remove(storeDir, { recursive: true }).catch(() => {});
const guard = new GuardMatcher(DEFAULT_GUARD);
const rules = baseRules([], [...DEFAULT_GUARD]);
let t = performance.now();
const sc = scanTree(tree, { exclusions: new Exclusions(rules, true), guard });
console.log("scan", (performance.now() - t).toFixed(0));
t = performance.now(); merkleRoot(sc.entries); console.log("merkle", (performance.now() - t).toFixed(0));
const store = Store.open(storeDir, tree, true);
t = performance.now();
const m = takeSnapshot({ store, kind: "before", rules, liveRules: true, guard, base: null });
console.log("full snapshot", (performance.now() - t).toFixed(0), JSON.stringify(m.stats));
t = performance.now();
const m2 = takeSnapshot({ store, kind: "before", rules, liveRules: true, guard, base: m });
console.log("noop incremental", (performance.now() - t).toFixed(0), m2.stats.read);
if (Deno.args[1] === "restore") {
  await new Deno.Command("sh", { args: ["-c", `rm -rf ${tree} && mkdir ${tree} && sync`] }).output();
  t = performance.now();
  restoreSnapshot(store, m);
  console.log("restore", (performance.now() - t).toFixed(0), "open", (globalThis as {OPEN?: number}).OPEN?.toFixed(0));
}
if (Deno.args[1] === "restore") {
  await new Deno.Command("sh", { args: ["-c", `rm -rf ${tree} && mkdir ${tree} && sync && sleep 5`] }).output();
  (globalThis as {OPEN?: number}).OPEN = 0;
  const t2 = performance.now();
  restoreSnapshot(store, m);
  console.log("restore again", (performance.now() - t2).toFixed(0), "open", (globalThis as {OPEN?: number}).OPEN?.toFixed(0));
  await new Deno.Command("sh", { args: ["-c", `rm -rf /var/tmp/cpx && sync && sleep 5`] }).output();
  const t3 = performance.now();
  await new Deno.Command("cp", { args: ["-a", tree, "/var/tmp/cpx"] }).output();
  console.log("cp -a", (performance.now() - t3).toFixed(0));
  await new Deno.Command("rm", { args: ["-rf", "/var/tmp/cpx"] }).output();
}
