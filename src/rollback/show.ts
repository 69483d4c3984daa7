/**
 * What `airlock rollback show ID` prints: the snapshot, what the run changed (from the
 * `after` tree it recorded), unified diffs of changed text files (`--diff`), and the
 * agent's versions of the guarded paths the guard put back (`--guarded`).
 *
 * @module
 */

import { createTwoFilesPatch } from "diff";
import { formatBytes } from "./budget.ts";
import type { FoundSnapshot } from "./catalog.ts";
import { type Change, diffEntries } from "./diff.ts";
import type { Store } from "./store.ts";
import type { Entry } from "./types.ts";
import { formatSummary } from "./summary.ts";

/** Largest file `--diff` shows. */
const MAX_DIFF_BYTES = 1 << 20;

/** The JSON form of `show`. */
export interface ShowJson {
  /** Snapshot id. */
  id: string;
  /** Workdir. */
  workdir: string;
  /** When it was taken. */
  created: string;
  /** Merkle root. */
  root: string;
  /** Counts. */
  stats: FoundSnapshot["manifest"]["stats"];
  /** The command's exit status, when the run's end was recorded. */
  status?: number;
  /** The run's changes (empty when its end was not recorded). */
  changes: { path: string; kind: string; diff?: string }[];
  /** What the guard did. */
  guarded: { path: string; change: string; action: string; diff?: string }[];
}

/** The text of a file object, or a note when binary or too large. */
function textOf(store: Store, entry: Entry | undefined): string | { note: string } {
  if (entry === undefined) return "";
  if (entry.type === "l") return `symlink → ${entry.hash}\n`;
  if (entry.type === "d") return { note: "directory" };
  if (entry.size > MAX_DIFF_BYTES) {
    return { note: `too large to show (${formatBytes(entry.size)})` };
  }
  let bytes: Uint8Array;
  try {
    bytes = store.read(entry.hash);
  } catch {
    return { note: "content not stored (over the snapshot budget)" };
  }
  if (bytes.subarray(0, 8000).includes(0)) return { note: "binary" };
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { note: "binary" };
  }
}

/**
 * A unified diff between two versions of a path, or a one-line note.
 *
 * @param store The store holding both versions.
 * @param path The path.
 * @param before The snapshot's version (absent: added).
 * @param after The run's version (absent: removed).
 * @returns The diff text.
 * @example A changed file
 * ```ts ignore
 * console.log(unifiedDiff(store, "src/a.ts", change.before, change.after));
 * ```
 */
export function unifiedDiff(store: Store, path: string, before?: Entry, after?: Entry): string {
  const a = textOf(store, before);
  const b = textOf(store, after);
  if (typeof a !== "string" || typeof b !== "string") {
    const note = typeof a !== "string" ? a.note : (b as { note: string }).note;
    return `${path}: ${note}, not shown\n`;
  }
  if (a === b) return `${path}: mode ${before?.mode.toString(8)} → ${after?.mode.toString(8)}\n`;
  return createTwoFilesPatch(
    before ? `a/${path}` : "/dev/null",
    after ? `b/${path}` : "/dev/null",
    a,
    b,
    "",
    "",
  ).replace(/^=+\n/, "");
}

/**
 * Builds what `show` prints.
 *
 * @param found The snapshot.
 * @param options `diff` and `guarded`, and the root the audit log recorded.
 * @returns The JSON form (the text form is {@linkcode formatShow}).
 * @example JSON for scripts
 * ```ts ignore
 * console.log(JSON.stringify(showSnapshot(findSnapshot(id), { diff: true })));
 * ```
 */
export function showSnapshot(
  found: FoundSnapshot,
  options: { diff?: boolean; guarded?: boolean },
): ShowJson {
  const { store, manifest, after } = found;
  const changes: Change[] = after ? diffEntries(manifest.entries, after.entries) : [];
  const byPath = new Map(changes.map((c) => [c.path, c]));
  return {
    id: manifest.id,
    workdir: manifest.workdir,
    created: manifest.created,
    root: manifest.root,
    stats: manifest.stats,
    ...(after?.status !== undefined ? { status: after.status } : {}),
    changes: changes.map((c) => ({
      path: c.path,
      kind: c.kind,
      ...(options.diff && c.kind !== "mode" && (c.before ?? c.after)?.type !== "d"
        ? { diff: unifiedDiff(store, c.path, c.before, c.after) }
        : {}),
    })),
    guarded: (after?.guarded ?? []).map((g) => {
      const c = byPath.get(g.path);
      return {
        path: g.path,
        change: g.change,
        action: g.action,
        ...(options.guarded && c ? { diff: unifiedDiff(store, g.path, c.before, c.after) } : {}),
      };
    }),
  };
}

/**
 * Formats `show` for people.
 *
 * @param found The snapshot.
 * @param view The JSON form from {@linkcode showSnapshot}.
 * @param audited The root the audit log recorded, or null.
 * @returns The text.
 * @example Text for people
 * ```ts ignore
 * const found = findSnapshot(id);
 * console.log(formatShow(found, showSnapshot(found, {}), auditedRoot(found.manifest)));
 * ```
 */
export function formatShow(found: FoundSnapshot, view: ShowJson, audited: string | null): string {
  const { manifest, after } = found;
  const s = manifest.stats;
  const rules = manifest.rules;
  const lines = [
    `snapshot  ${manifest.id}`,
    `workdir   ${manifest.workdir}`,
    `created   ${manifest.created}${manifest.profile ? `  profile ${manifest.profile}` : ""}${
      manifest.session ? `  session ${manifest.session}` : ""
    }`,
    `root      ${manifest.root}  (audit log: ${
      audited === null ? "no record" : audited === manifest.root ? "matches" : `DIFFERS: ${audited}`
    })`,
    `tree      ${s.files} files, ${s.dirs} directories, ${s.links} links, ${
      formatBytes(s.bytes)
    }; read ${s.read}, stored ${s.stored} objects (${formatBytes(s.storedBytes)}) in ${s.ms} ms`,
    `excluded  ${s.excluded} paths: defaults, ${rules.profile.length} profile patterns, ${rules.gitignore.length} .gitignore files`,
  ];
  if (after === null) {
    lines.push("run       its end was not recorded (still running, or airlock was killed)");
  } else {
    lines.push(`run       exit status ${after.status ?? "?"}`);
    const changes = diffEntries(manifest.entries, after.entries);
    lines.push(
      ...formatSummary(manifest.id, changes, after.guarded ?? []).map((l) =>
        `  ${l.replace(/^airlock: /, "")}`
      ),
    );
  }
  for (const c of view.changes) if (c.diff) lines.push(c.diff.trimEnd());
  for (const g of view.guarded) {
    if (g.diff) {
      lines.push(
        `guarded ${g.path} (${g.change}, ${g.action}), the agent's version:`,
        g.diff.trimEnd(),
      );
    }
  }
  return lines.join("\n") + "\n";
}
