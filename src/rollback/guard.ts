/**
 * The persistence guard, run after the command has exited: every guarded path (see
 * `guard_patterns.ts`) that the run added or changed — content, mode or type — is put
 * back to its snapshot state, unless the user passed `--accept-guarded`. The agent's
 * version stays in the store (the run's `after` manifest), for
 * `airlock rollback show ID --guarded`.
 *
 * @module
 */

import type { Change } from "./diff.ts";
import type { GuardMatcher } from "./guard_patterns.ts";
import { restoreSnapshot } from "./restore.ts";
import type { Store } from "./store.ts";
import type { GuardAction, Manifest } from "./types.ts";

/**
 * The guarded changes among a run's changes: those at guarded paths and at directories
 * above guarded paths (removals are not guarded: deleting a hook runs nothing).
 *
 * @param changes The run's changes.
 * @param guard The guard.
 * @returns The guarded changes; a guarded directory that was added counts once.
 * @example
 * ```ts
 * import { guardedChanges } from "./guard.ts";
 * import { DEFAULT_GUARD, GuardMatcher } from "./guard_patterns.ts";
 * const e = { path: ".git/hooks/pre-commit", type: "f" as const, mode: 0o755, size: 1, hash: "h", mtime: 0, ctime: 0, ino: 1, dev: 1 };
 * const found = guardedChanges([{ path: e.path, kind: "added", after: e }], new GuardMatcher(DEFAULT_GUARD));
 * console.assert(found.length === 1);
 * ```
 */
export function guardedChanges(changes: readonly Change[], guard: GuardMatcher): Change[] {
  const out: Change[] = [];
  for (const c of changes) {
    if (c.kind === "removed") continue;
    const entry = c.after!;
    // A guarded path, or a directory above one: `.git` swapped for a link to a directory
    // with hooks (or for a `gitdir:` file) changes `.git` itself, not `.git/hooks/…`.
    if (!guard.matches(c.path, entry.type === "d") && !guard.mayContain(c.path)) continue;
    if (
      out.some((o) =>
        o.kind === "added" && o.after?.type === "d" && c.path.startsWith(`${o.path}/`)
      )
    ) {
      continue;
    }
    out.push(c);
  }
  return out;
}

/**
 * Puts guarded paths back (or accepts them) and says what was done.
 *
 * @param store The store.
 * @param before The snapshot taken before the run.
 * @param changes The guarded changes ({@linkcode guardedChanges}).
 * @param accept `--accept-guarded`: keep the agent's versions.
 * @returns One action per guarded change.
 * @throws {RollbackError} When an object needed for the restore is missing or corrupt.
 * @example After a run
 * ```ts ignore
 * const actions = applyGuard(store, before, guardedChanges(changes, guard), false);
 * ```
 */
export function applyGuard(
  store: Store,
  before: Manifest,
  changes: readonly Change[],
  accept: boolean,
): GuardAction[] {
  if (changes.length === 0) return [];
  if (!accept) restoreSnapshot(store, before, { paths: changes.map((c) => c.path) });
  return changes.map((c) => ({
    path: c.path,
    change: c.kind === "added" ? "added" : "changed",
    action: accept ? "accepted" : "restored",
    hash: c.after!.hash,
    type: c.after!.type,
  }));
}
