/**
 * The one-screen summary printed after a run with rollback: counts by kind of change,
 * the first paths of each, what the guard did, and how to undo.
 *
 * @module
 */

import { type Change, type ChangeKind, countChanges } from "./diff.ts";
import type { GuardAction } from "./types.ts";

/** How many paths of each kind the summary names. */
const FIRST = 5;

const LABELS: Record<ChangeKind, string> = {
  changed: "changed",
  added: "added",
  removed: "removed",
  type: "type changed",
  mode: "mode changed",
};

/**
 * Formats the summary.
 *
 * @param id The snapshot id.
 * @param changes The run's changes.
 * @param guarded What the guard did.
 * @returns Lines for stderr, each starting with `airlock: ` or two spaces.
 * @example
 * ```ts
 * import { formatSummary } from "./summary.ts";
 * const e = { path: "a.txt", type: "f" as const, mode: 0o644, size: 1, hash: "h", mtime: 0, ctime: 0, ino: 1, dev: 1 };
 * const lines = formatSummary("ID", [{ path: "a.txt", kind: "added", after: e }], []);
 * console.assert(lines[0] === "airlock: rollback ID: 1 added");
 * ```
 */
export function formatSummary(
  id: string,
  changes: readonly Change[],
  guarded: readonly GuardAction[],
): string[] {
  if (changes.length === 0) return [`airlock: rollback ${id}: no changes`];
  const counts = countChanges(changes);
  const order: ChangeKind[] = ["changed", "added", "removed", "type", "mode"];
  const parts = order.filter((k) => counts[k] > 0).map((k) => `${counts[k]} ${LABELS[k]}`);
  const lines = [`airlock: rollback ${id}: ${parts.join(", ")}`];
  for (const kind of order) {
    const paths = changes.filter((c) => c.kind === kind).map((c) => c.path);
    if (paths.length === 0) continue;
    const more = paths.length > FIRST ? ` (+${paths.length - FIRST} more)` : "";
    lines.push(`  ${LABELS[kind].padEnd(13)}${paths.slice(0, FIRST).join(", ")}${more}`);
  }
  const restored = guarded.filter((g) => g.action === "restored");
  const accepted = guarded.filter((g) => g.action === "accepted");
  if (restored.length > 0) {
    lines.push(
      `airlock: guard restored ${
        restored.map((g) => `${g.path} (${g.change})`).join(", ")
      }: the agent's versions are kept, see airlock rollback show ${id} --guarded`,
    );
  }
  if (accepted.length > 0) {
    lines.push(
      `airlock: guard kept the agent's ${
        accepted.map((g) => `${g.path} (${g.change})`).join(", ")
      } (--accept-guarded)`,
    );
  }
  lines.push(`airlock: undo with: airlock rollback restore ${id}`);
  return lines;
}
