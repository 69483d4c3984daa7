/**
 * Finding snapshots across the stores of every workdir: `airlock rollback list` shows
 * them all, and an id alone (`show`, `restore`, `verify`) names one snapshot wherever
 * its workdir is.
 *
 * @module
 */

import { RollbackError } from "../errors.ts";
import { EXIT_UNKNOWN_SNAPSHOT } from "./exit_codes.ts";
import { rollbackRoot, Store } from "./store.ts";
import type { Manifest } from "./types.ts";

/** A snapshot id: `20260101T120000Z-a1b2c3`. */
const ID = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;

/** One snapshot found. */
export interface FoundSnapshot {
  /** Its store. */
  store: Store;
  /** Its manifest. */
  manifest: Manifest;
  /** The tree the run left, when recorded. */
  after: Manifest | null;
}

/**
 * Opens every store under the rollback directory.
 *
 * @param env The environment (state directory).
 * @returns The stores (newer-layout stores throw).
 * @throws {RollbackError} (exit 4) When a store was written by a newer airlock.
 * @example Listing every snapshot
 * ```ts ignore
 * for (const store of openStores()) console.log(store.workdir, store.snapshotIds());
 * ```
 */
export function openStores(env: Record<string, string | undefined> = Deno.env.toObject()): Store[] {
  const root = rollbackRoot(env);
  const out: Store[] = [];
  let names: string[];
  try {
    names = [...Deno.readDirSync(root)].filter((e) => e.isDirectory).map((e) => e.name).sort();
  } catch {
    return [];
  }
  for (const name of names) {
    try {
      out.push(Store.open(`${root}/${name}`, "", false));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) continue; // not a store
      throw err;
    }
  }
  return out;
}

/**
 * Finds a snapshot by id.
 *
 * @param id The snapshot id.
 * @param env The environment (state directory).
 * @returns The store and manifests.
 * @throws {RollbackError} (exit 3) When no store has that snapshot.
 * @example Opening a snapshot by id
 * ```ts ignore
 * const { store, manifest } = findSnapshot("20260101T120000Z-0a1b2c");
 * ```
 */
export function findSnapshot(
  id: string,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): FoundSnapshot {
  const unknown = () =>
    new RollbackError(`Cannot find snapshot "${id}": no such snapshot`, EXIT_UNKNOWN_SNAPSHOT, {
      hint: "run airlock rollback list",
    });
  if (!ID.test(id)) throw unknown();
  for (const store of openStores(env)) {
    const manifest = store.readManifest(id);
    if (manifest !== null) return { store, manifest, after: store.readManifest(id, true) };
  }
  throw unknown();
}
