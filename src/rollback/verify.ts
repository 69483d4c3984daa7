/**
 * Verifying a snapshot: the Merkle root recomputed from its manifest must equal the one
 * in the manifest and the one the session's audit log recorded when it was taken, and
 * every object it references must be in the store with the content its hash names.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { auditedRoot } from "./audit_records.ts";
import { merkleRoot } from "./merkle.ts";
import type { Store } from "./store.ts";
import type { Manifest } from "./types.ts";

/** The outcome of a verification. */
export interface VerifyResult {
  /** The root recomputed from the manifest. */
  root: string;
  /** The root recorded in the audit log, or null when none was found. */
  auditedRoot: string | null;
  /** Objects checked. */
  objects: number;
  /** One line per problem (empty: intact). */
  problems: string[];
}

/**
 * Verifies a snapshot (and the objects of the run's `after` tree when given).
 *
 * @param store The store.
 * @param manifests The snapshot, then optionally its `after` manifest.
 * @param env The environment (state directory).
 * @returns What was checked and what is wrong.
 * @example Checking a snapshot and its run
 * ```ts ignore
 * const { problems } = verifySnapshot(store, [manifest, after]);
 * for (const p of problems) console.error(p);
 * ```
 */
export function verifySnapshot(
  store: Store,
  manifests: readonly Manifest[],
  env: Record<string, string | undefined> = Deno.env.toObject(),
): VerifyResult {
  const [manifest] = manifests;
  const problems: string[] = [];
  const root = merkleRoot(manifest!.entries);
  if (root !== manifest!.root) {
    problems.push(
      `manifest: the entries hash to root ${root}, the manifest says ${manifest!.root}`,
    );
  }
  const audited = auditedRoot(manifest!, env);
  if (audited !== null && audited !== root) {
    problems.push(
      `audit log: session ${
        manifest!.session
      } recorded root ${audited}, the manifest hashes to ${root}`,
    );
  }
  const hashes = new Map<string, string>();
  for (const m of manifests) {
    const unstored = new Set(m.unstored ?? []); // over the budget on purpose
    for (const e of m.entries) {
      if (e.type === "f" && !hashes.has(e.hash) && !unstored.has(e.path)) {
        hashes.set(e.hash, e.path);
      }
    }
  }
  const index = store.index();
  const buf = new Uint8Array(4 << 20);
  for (const [hash, path] of hashes) {
    const loc = index.get(hash);
    if (loc === undefined) {
      problems.push(`object ${hash} (${path}): missing from the store`);
      continue;
    }
    const h = createHash("sha256");
    try {
      for (let off = 0; off < loc.size; off += buf.length) {
        const part = buf.subarray(0, Math.min(buf.length, loc.size - off));
        store.readAt(loc, part, off);
        h.update(part);
      }
    } catch {
      problems.push(`object ${hash} (${path}): pack ${loc.pack} is truncated`);
      continue;
    }
    const got = h.digest("hex");
    if (got !== hash) {
      problems.push(`object ${hash} (${path}): corrupt, its content hashes to ${got}`);
    }
  }
  return { root, auditedRoot: audited, objects: hashes.size, problems };
}
