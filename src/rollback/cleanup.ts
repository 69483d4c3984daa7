/**
 * `airlock rollback cleanup`: drops old snapshots (keep the newest N per workdir, or
 * those older than a duration), then collects the objects no remaining snapshot needs —
 * a pack with none left is deleted, a pack with some left is rewritten with only those —
 * and removes temporary files a killed snapshot or restore left. Holds each store's
 * exclusive lock, so no snapshot runs meanwhile.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { encodePackIndex } from "./pack_index.ts";
import {
  type ObjectLocation,
  randomId,
  type Store,
  syncDir,
  writeAll,
  writeFileAtomic,
} from "./store.ts";

/** What cleanup removed. */
export interface CleanupResult {
  /** Snapshot ids removed. */
  snapshots: string[];
  /** Packs deleted or rewritten. */
  packs: number;
  /** Bytes freed. */
  freedBytes: number;
}

/** Options of {@linkcode cleanupStore}. */
export interface CleanupOptions {
  /** Keep the newest N snapshots. */
  keep?: number;
  /** Remove snapshots older than this many milliseconds. */
  olderThanMs?: number;
  /** The current time (ms). */
  now?: number;
}

/**
 * Parses a duration: `30m`, `12h`, `7d`, `2w`.
 *
 * @param text The duration.
 * @returns Milliseconds.
 * @throws {UsageError} When malformed.
 * @example
 * ```ts
 * import { parseDuration } from "./cleanup.ts";
 * console.assert(parseDuration("2d") === 2 * 86_400_000);
 * ```
 */
export function parseDuration(text: string): number {
  const m = /^(\d+)([smhdw])$/.exec(text.trim());
  if (m === null) {
    throw new UsageError(
      `Cannot parse --older-than: it must be a number and a unit (s, m, h, d, w): current value is "${text}"`,
    );
  }
  const unit = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 }[m[2] as "s"];
  return Number(m[1]) * unit;
}

/** Parses an id's time (`20260101T120000Z-…`) to milliseconds. */
function idTime(id: string): number {
  const m = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z/.exec(id);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : 0;
}

/**
 * Cleans one store.
 *
 * @param store The store (its exclusive lock is taken).
 * @param options What to keep.
 * @returns What was removed.
 * @example Keeping the newest ten
 * ```ts ignore
 * const result = cleanupStore(store, { keep: 10 });
 * console.log(result.snapshots.length, result.freedBytes);
 * ```
 */
export function cleanupStore(store: Store, options: CleanupOptions): CleanupResult {
  store.lock(true);
  const now = options.now ?? Date.now();
  const ids = store.snapshotIds();
  const drop = new Set<string>();
  if (options.keep !== undefined) {
    for (const id of ids.slice(0, Math.max(0, ids.length - options.keep))) {
      drop.add(id);
    }
  }
  if (options.olderThanMs !== undefined) {
    for (const id of ids) if (now - idTime(id) > options.olderThanMs) drop.add(id);
  }
  const snapDir = `${store.dir}/snapshots`;
  for (const id of drop) {
    for (const name of [`${id}.json`, `${id}.after.json`]) {
      try {
        Deno.removeSync(`${snapDir}/${name}`);
      } catch {
        // no after manifest
      }
    }
  }
  syncDir(snapDir);
  const live = new Set<string>();
  for (const id of ids.filter((i) => !drop.has(i))) {
    for (const m of [store.readManifest(id), store.readManifest(id, true)]) {
      for (const e of m?.entries ?? []) if (e.type === "f") live.add(e.hash);
    }
  }
  const result: CleanupResult = { snapshots: [...drop].sort(), packs: 0, freedBytes: 0 };
  removeTemporaries(store, result);
  collect(store, live, result);
  return result;
}

function removeTemporaries(store: Store, result: CleanupResult): void {
  for (const sub of ["packs", "snapshots"]) {
    for (const item of Deno.readDirSync(`${store.dir}/${sub}`)) {
      if (!item.name.endsWith(".tmp")) continue;
      const path = `${store.dir}/${sub}/${item.name}`;
      result.freedBytes += Deno.lstatSync(path).size;
      Deno.removeSync(path);
    }
  }
}

/** Deletes or rewrites packs holding objects no snapshot references. */
function collect(store: Store, live: Set<string>, result: CleanupResult): void {
  const dir = `${store.dir}/packs`;
  const packs = new Map<string, [string, ObjectLocation][]>();
  for (const idx of store.index().packs()) {
    const pack = idx.pack;
    packs.set(pack, idx.rows().map(([hash, offset, size]) => [hash, { pack, offset, size }]));
  }
  for (const [pack, objects] of packs) {
    const keep = objects.filter(([hash]) => live.has(hash));
    if (keep.length === objects.length) continue;
    const size = Deno.statSync(`${dir}/${pack}.pack`).size;
    if (keep.length > 0) {
      const id = `${Date.now().toString(36)}-${randomId()}`;
      const tmp = `${dir}/${id}.pack.tmp`;
      const out = Deno.openSync(tmp, { write: true, createNew: true, mode: 0o600 });
      const rows: [string, number, number][] = [];
      let offset = 0;
      for (const [hash, loc] of keep) {
        const buf = new Uint8Array(loc.size);
        store.readAt(loc, buf);
        writeAll(out, buf);
        rows.push([hash, offset, loc.size]);
        offset += loc.size;
      }
      out.syncDataSync();
      out.close();
      Deno.renameSync(tmp, `${dir}/${id}.pack`);
      writeFileAtomic(`${dir}/${id}.idx`, encodePackIndex(rows));
      result.freedBytes -= offset;
    }
    // The index goes first: a pack without one is never read, one without a pack would be.
    Deno.removeSync(`${dir}/${pack}.idx`);
    Deno.removeSync(`${dir}/${pack}.pack`);
    result.freedBytes += size;
    result.packs++;
  }
  syncDir(dir);
}
