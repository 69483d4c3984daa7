import { baseRules, Exclusions } from "../../src/rollback/exclusions.ts";
import { DEFAULT_GUARD, GuardMatcher } from "../../src/rollback/guard_patterns.ts";
import { Store } from "../../src/rollback/store.ts";
import { scanTree } from "../../src/rollback/scan.ts";
import { merkleRoot } from "../../src/rollback/merkle.ts";
const tree = Deno.args[0]!;
const store = Store.open("/var/tmp/rbprof-store", tree, true);
const guard = new GuardMatcher(DEFAULT_GUARD);
const rules = baseRules([], [...DEFAULT_GUARD]);
for (let r = 0; r < 2; r++) {
let t = performance.now();
const m = store.latest()!; console.log("latest()", (performance.now() - t).toFixed(0));
t = performance.now(); store.index(); console.log("index()", (performance.now() - t).toFixed(0));
t = performance.now();
const sc = scanTree(tree, { exclusions: new Exclusions(rules, true), guard });
console.log("scan", (performance.now() - t).toFixed(0));
t = performance.now(); merkleRoot(sc.entries); console.log("merkle", (performance.now() - t).toFixed(0));
t = performance.now(); store.writeManifest({ ...m, id: "20990101T000000Z-000000" }); console.log("writeManifest", (performance.now() - t).toFixed(0));
t = performance.now();
for (const e of sc.entries) Deno.lstatSync(`${tree}/${e.path}`);
console.log("lstat only", (performance.now() - t).toFixed(0));
t = performance.now();
const walk = (d: string) => { for (const x of Deno.readDirSync(d)) if (x.isDirectory) walk(`${d}/${x.name}`); }; walk(tree);
console.log("readDir only", (performance.now() - t).toFixed(0));
}
Deno.removeSync("/var/tmp/rbprof-store/snapshots/20990101T000000Z-000000.json");
