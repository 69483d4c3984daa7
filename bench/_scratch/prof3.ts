import { restoreSnapshot } from "../../src/rollback/restore.ts";
import { Store } from "../../src/rollback/store.ts";
const tree = Deno.args[0]!;
const store = Store.open("/var/tmp/rbprof-store", tree, true);
const m = store.readManifest(store.snapshotIds()[0]!)!;
const t = performance.now();
restoreSnapshot(store, m);
console.log("restore", (performance.now() - t).toFixed(0), "open", (globalThis as {OPEN?: number}).OPEN?.toFixed(0));
