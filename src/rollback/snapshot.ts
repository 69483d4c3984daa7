/**
 * Taking a snapshot: walk the workdir, reuse the hash of every file whose `lstat` (size,
 * mtime, ctime, inode, device) matches the previous snapshot, read and store only the
 * others, compute the Merkle root and commit the manifest.
 *
 * Change detection must not trust what an agent controls: it can set mtime back, but not
 * ctime, which the kernel sets on every change. Deno reports ctime in whole seconds, so
 * an entry whose ctime lies within {@linkcode RACY_MS} of the scan that recorded it is
 * "racy" (it may have changed again within the same second) and is read again.
 *
 * @module
 */

import { PackWriter } from "./pack_writer.ts";
import { merkleRoot } from "./merkle.ts";
import { scanTree } from "./scan.ts";
import { type Budget, checkBudget } from "./budget.ts";
import { Exclusions } from "./exclusions.ts";
import type { GuardMatcher } from "./guard_patterns.ts";
import { newSnapshotId, type Store } from "./store.ts";
import type { Entry, ExclusionRules, GuardAction, Manifest } from "./types.ts";
import { STORE_VERSION } from "./types.ts";

/** How close to the recording scan a ctime makes an entry untrustworthy (ctime is whole seconds). */
export const RACY_MS = 2000;

/** Progress of a snapshot. */
export interface SnapshotProgress {
  /** `scan` (walking) or `read` (reading changed files). */
  phase: "scan" | "read";
  /** Files done. */
  files: number;
  /** Files in all (0 while scanning). */
  totalFiles: number;
  /** Bytes done. */
  bytes: number;
  /** Bytes in all (0 while scanning). */
  totalBytes: number;
}

/** Options of {@linkcode takeSnapshot}. */
export interface SnapshotOptions {
  /** The workdir's store. */
  store: Store;
  /** `before` a run, or `after` it (`of` names the `before` snapshot). */
  kind: "before" | "after";
  /** For `after`: the `before` snapshot's id. */
  of?: string;
  /** Exclusions: the base rules of a new snapshot, or a recorded snapshot's rules. */
  rules: ExclusionRules;
  /** Read `.gitignore` files while walking (new snapshots) or use `rules` as recorded. */
  liveRules: boolean;
  /** The guard (guarded paths are recorded even where excluded). */
  guard: GuardMatcher;
  /** The stat cache: the latest manifest, or null. */
  base: Manifest | null;
  /** The budget (checked before any file is read). */
  budget?: Budget;
  /**
   * Most bytes of new content to store (the tree after a run, which the command may have
   * grown without bound): files beyond are hashed but not kept, and listed in
   * `Manifest.unstored`. Default: no limit.
   */
  maxStoreBytes?: number;
  /** The audit session. */
  session?: string;
  /** The profile. */
  profile?: string;
  /** For `after`: the exit status. */
  status?: number;
  /** For `after`: what the guard did (filled in later via {@linkcode Store.writeManifest}). */
  guarded?: GuardAction[];
  /** Progress callback. */
  onProgress?: (p: SnapshotProgress) => void;
  /** Commit the manifest (default true); `false` leaves that to the caller (objects are stored either way). */
  commit?: boolean;
}

/**
 * Whether a cached entry can stand for the current one without reading the file.
 *
 * @param now The entry just scanned.
 * @param cached The entry from the previous snapshot.
 * @param cachedScan When the previous snapshot's scan started (ms).
 * @returns True when type, size, mtime, ctime, inode and device match and the cached
 *   entry is not racy.
 * @example
 * ```ts
 * import { RACY_MS, unchanged } from "./snapshot.ts";
 * const e = { path: "a", type: "f" as const, mode: 0o644, size: 1, hash: "h", mtime: 5000, ctime: 5000, ino: 7, dev: 1 };
 * console.assert(unchanged(e, e, 5000 + RACY_MS));
 * console.assert(!unchanged(e, e, 5000 + RACY_MS - 1)); // racy
 * console.assert(!unchanged({ ...e, ctime: 9000 }, e, 9000));
 * ```
 */
export function unchanged(now: Entry, cached: Entry, cachedScan: number): boolean {
  return cached.type === now.type && cached.size === now.size && cached.mtime === now.mtime &&
    cached.ctime === now.ctime && cached.ino === now.ino && cached.dev === now.dev &&
    cached.ctime + RACY_MS <= cachedScan && cached.mtime + RACY_MS <= cachedScan;
}

/**
 * Takes a snapshot of the store's workdir.
 *
 * Requires `--allow-read` (workdir, store) and `--allow-write` (store).
 *
 * @param options Store, kind, rules, guard, stat cache, budget, progress.
 * @returns The manifest (committed unless `commit: false`).
 * @throws {RollbackError} When the tree is over its budget (nothing is written).
 * @throws {Error} When reading the tree or writing the store fails; the previous snapshot
 *   stays intact.
 * @example A snapshot before a run
 * ```ts ignore
 * const m = takeSnapshot({ store, kind: "before", rules, liveRules: true, guard, base: store.latest() });
 * console.log(m.id, m.root, m.stats.read);
 * ```
 */
export function takeSnapshot(options: SnapshotOptions): Manifest {
  const { store } = options;
  const started = performance.now();
  const scanStart = Date.now();
  const workdir = store.workdir;
  const exclusions = new Exclusions(options.rules, options.liveRules);
  const scan = scanTree(workdir, {
    exclusions,
    guard: options.guard,
    ...(options.budget ? { stopAfterFiles: options.budget.maxFiles * 4 + 1 } : {}),
    onProgress: (files, bytes) =>
      options.onProgress?.({ phase: "scan", files, totalFiles: 0, bytes, totalBytes: 0 }),
  });
  if (options.budget) checkBudget(workdir, scan, options.budget);

  const cache = new Map<string, Entry>();
  const cachedScan = options.base?.scanStart ?? 0;
  const unstoredBefore = new Set(options.base?.unstored ?? []);
  for (const e of options.base?.entries ?? []) {
    if (e.type === "f" && !unstoredBefore.has(e.path)) cache.set(e.path, e);
  }
  // The previous snapshot's objects are in the store (cleanup keeps what retained
  // snapshots use), so unchanged files need no index lookup.
  const present = new Set<string>();
  for (const e of cache.values()) present.add(e.hash);
  const toRead: Entry[] = [];
  let readTotal = 0;
  for (const e of scan.entries) {
    if (e.type !== "f") continue;
    const cached = cache.get(e.path);
    if (cached !== undefined && unchanged(e, cached, cachedScan)) {
      e.hash = cached.hash;
    } else {
      toRead.push(e);
      readTotal += e.size;
    }
  }

  const pack = new PackWriter(store, present, options.maxStoreBytes);
  const unstored: string[] = [];
  try {
    let done = 0;
    let doneBytes = 0;
    let lastReport = -Infinity; // the first report is never throttled away
    for (const e of toRead) {
      const { hash, size, stored } = pack.addFile(`${workdir}/${e.path}`, e);
      if (!stored) unstored.push(e.path);
      e.hash = hash;
      e.size = size;
      done++;
      doneBytes += size;
      if (options.onProgress && (done & 255) === 0 && performance.now() - lastReport > 100) {
        lastReport = performance.now();
        options.onProgress({
          phase: "read",
          files: done,
          totalFiles: toRead.length,
          bytes: doneBytes,
          totalBytes: readTotal,
        });
      }
    }
    pack.commit(); // objects are kept even when the manifest is committed later
  } catch (err) {
    pack.abort();
    throw err;
  }

  const stats = {
    files: scan.files,
    dirs: scan.entries.filter((e) => e.type === "d").length,
    links: scan.entries.filter((e) => e.type === "l").length,
    bytes: scan.entries.reduce((n, e) => n + (e.type === "f" ? e.size : 0), 0),
    ...pack.counts,
    skipped: scan.skipped.length,
    excluded: scan.excluded.length,
    ms: 0,
  };
  const manifest: Manifest = {
    version: STORE_VERSION,
    id: options.kind === "after" && options.of ? options.of : newSnapshotId(scanStart),
    kind: options.kind,
    ...(options.of ? { of: options.of } : {}),
    workdir,
    created: new Date(scanStart).toISOString(),
    scanStart,
    ...(options.session ? { session: options.session } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    root: merkleRoot(scan.entries),
    rules: exclusions.rules,
    stats,
    ...(options.status !== undefined ? { status: options.status } : {}),
    ...(options.guarded ? { guarded: options.guarded } : {}),
    ...(unstored.length > 0 ? { unstored } : {}),
    entries: scan.entries,
  };
  stats.ms = Math.round(performance.now() - started);
  if (options.commit !== false) store.writeManifest(manifest);
  return manifest;
}
