/**
 * Comparing two recorded trees: what was added, removed, changed (content or link
 * target), changed type (a file became a link) or changed mode only.
 *
 * @module
 */

import type { Entry } from "./types.ts";

/** The kinds of change. */
export type ChangeKind = "added" | "removed" | "changed" | "type" | "mode";

/** One changed path. */
export interface Change {
  /** The path relative to the workdir. */
  path: string;
  /** What changed. */
  kind: ChangeKind;
  /** The entry before (absent for `added`). */
  before?: Entry;
  /** The entry after (absent for `removed`). */
  after?: Entry;
}

/**
 * Compares two entry lists.
 *
 * @param before The earlier tree.
 * @param after The later tree.
 * @returns The changes, sorted by path.
 * @example
 * ```ts
 * import { diffEntries } from "./diff.ts";
 * const base = { path: "a", type: "f" as const, mode: 0o644, size: 1, hash: "x", mtime: 0, ctime: 0, ino: 1, dev: 1 };
 * const changes = diffEntries([base], [{ ...base, mode: 0o755 }, { ...base, path: "b" }]);
 * console.assert(changes.map((c) => `${c.kind} ${c.path}`).join() === "mode a,added b");
 * ```
 */
export function diffEntries(before: readonly Entry[], after: readonly Entry[]): Change[] {
  const old = new Map(before.map((e) => [e.path, e]));
  const out: Change[] = [];
  for (const a of after) {
    const b = old.get(a.path);
    old.delete(a.path);
    if (b === undefined) out.push({ path: a.path, kind: "added", after: a });
    else if (b.type !== a.type) out.push({ path: a.path, kind: "type", before: b, after: a });
    else if (b.hash !== a.hash) out.push({ path: a.path, kind: "changed", before: b, after: a });
    else if (b.mode !== a.mode) out.push({ path: a.path, kind: "mode", before: b, after: a });
  }
  for (const b of old.values()) out.push({ path: b.path, kind: "removed", before: b });
  return out.sort((x, y) => x.path < y.path ? -1 : x.path > y.path ? 1 : 0);
}

/**
 * Counts changes by kind.
 *
 * @param changes The changes.
 * @returns Count per kind.
 * @example Counting
 * ```ts
 * import { countChanges } from "./diff.ts";
 * console.assert(countChanges([{ path: "a", kind: "added" }]).added === 1);
 * ```
 */
export function countChanges(changes: readonly Change[]): Record<ChangeKind, number> {
  const counts: Record<ChangeKind, number> = { added: 0, removed: 0, changed: 0, type: 0, mode: 0 };
  for (const c of changes) counts[c.kind]++;
  return counts;
}
