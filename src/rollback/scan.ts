/**
 * Walking the workdir: one `lstat` per path, symlinks recorded as links and never
 * followed, excluded paths skipped (their subtree is never visited), FIFOs, sockets and
 * devices skipped. No file content is read here except `.gitignore` files; the snapshot
 * decides afterwards which files it must read.
 *
 * @module
 */

import type { Entry, EntryType } from "./types.ts";
import type { Exclusions, ExclusionSource } from "./exclusions.ts";
import type { GuardMatcher } from "./guard_patterns.ts";

/** One excluded path. */
export interface ExcludedPath {
  /** The path relative to the workdir. */
  path: string;
  /** Whether it is a directory (its whole subtree is left out). */
  dir: boolean;
  /** The rule source. */
  source: ExclusionSource;
}

/** What a scan found. */
export interface ScanResult {
  /** The recorded entries, sorted by path, hashes empty for files. */
  entries: Entry[];
  /** Files and bytes beneath each recorded directory (for budget hints). */
  dirTotals: Map<string, { files: number; bytes: number }>;
  /** The excluded paths (top-most only). */
  excluded: ExcludedPath[];
  /** Paths that are neither file, directory nor link. */
  skipped: string[];
  /** Regular files recorded. */
  files: number;
  /** Bytes of the regular files. */
  bytes: number;
  /** True when the walk stopped early because the tree is far over its file budget. */
  truncated: boolean;
}

/** Options of {@linkcode scanTree}. */
export interface ScanOptions {
  /** The exclusions (live: `.gitignore` files found are read and added). */
  exclusions: Exclusions;
  /** The guard: guarded paths are recorded even where excluded. */
  guard: GuardMatcher;
  /** Stop walking once this many files were seen (the budget check then fails anyway). */
  stopAfterFiles?: number;
  /** Called every 1,000 paths with the files and bytes seen so far. */
  onProgress?: (files: number, bytes: number) => void;
}

/** Maps an lstat result to an entry type, or null for other kinds of file. */
function typeOf(info: Deno.FileInfo): EntryType | null {
  if (info.isSymlink) return "l";
  if (info.isDirectory) return "d";
  if (info.isFile) return "f";
  return null;
}

/**
 * Builds an entry from `lstat` (hash empty; links get their target).
 *
 * @param path The relative path.
 * @param abs The absolute path.
 * @param info Its lstat.
 * @returns The entry, or null for FIFOs, sockets and devices.
 * @example A directory
 * ```ts
 * import { entryFromStat } from "./scan.ts";
 * const entry = entryFromStat("", "/", Deno.lstatSync("/"));
 * console.assert(entry?.type === "d");
 * ```
 */
export function entryFromStat(path: string, abs: string, info: Deno.FileInfo): Entry | null {
  const type = typeOf(info);
  if (type === null) return null;
  const target = type === "l" ? Deno.readLinkSync(abs) : "";
  return {
    path,
    type,
    mode: (info.mode ?? 0) & 0o7777,
    size: type === "f" ? info.size : type === "l" ? target.length : 0,
    hash: target,
    mtime: info.mtime?.getTime() ?? 0,
    ctime: info.ctime?.getTime() ?? 0,
    ino: info.ino ?? 0,
    dev: info.dev ?? 0,
  };
}

/**
 * Walks `workdir` and records what is not excluded.
 *
 * Requires `--allow-read`.
 *
 * @param workdir The absolute, real path of the workdir.
 * @param options Exclusions, guard, limits and progress.
 * @returns The entries and totals.
 * @throws {Deno.errors.NotFound} When the workdir disappears during the walk.
 * @example
 * ```ts
 * import { scanTree } from "./scan.ts";
 * import { baseRules, Exclusions } from "./exclusions.ts";
 * import { DEFAULT_GUARD, GuardMatcher } from "./guard_patterns.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.txt`, "hi");
 * await Deno.mkdir(`${dir}/node_modules`);
 * const scan = scanTree(dir, {
 *   exclusions: new Exclusions(baseRules([], []), true),
 *   guard: new GuardMatcher(DEFAULT_GUARD),
 * });
 * console.assert(scan.entries.map((e) => e.path).join() === ",a.txt");
 * console.assert(scan.excluded[0]?.path === "node_modules");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function scanTree(workdir: string, options: ScanOptions): ScanResult {
  const { exclusions, guard } = options;
  const result: ScanResult = {
    entries: [],
    dirTotals: new Map(),
    excluded: [],
    skipped: [],
    files: 0,
    bytes: 0,
    truncated: false,
  };
  const stopAfter = options.stopAfterFiles ?? Infinity;
  let seen = 0;
  const root = entryFromStat("", workdir, Deno.lstatSync(workdir));
  if (root === null || root.type !== "d") {
    throw new Deno.errors.NotADirectory(`${workdir} is not a directory`);
  }
  result.entries.push(root);

  // Depth first; returns the files and bytes beneath `dir`.
  const walk = (dir: string, guardedOnly: boolean): { files: number; bytes: number } => {
    const totals = { files: 0, bytes: 0 };
    const absDir = dir === "" ? workdir : `${workdir}/${dir}`;
    const names: string[] = [];
    for (const item of Deno.readDirSync(absDir)) names.push(item.name);
    names.sort();
    if (exclusions.live && !guardedOnly && names.includes(".gitignore")) {
      const abs = `${absDir}/.gitignore`;
      if (Deno.lstatSync(abs).isFile) exclusions.addGitignore(dir, Deno.readTextFileSync(abs));
    }
    for (const name of names) {
      if (result.truncated) break;
      const path = dir === "" ? name : `${dir}/${name}`;
      const abs = `${absDir}/${name}`;
      let info: Deno.FileInfo;
      try {
        info = Deno.lstatSync(abs);
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) continue; // removed while walking
        throw err;
      }
      const isDir = info.isDirectory;
      let guarded = false;
      if (guardedOnly) {
        guarded = guard.matches(path, isDir);
        if (!guarded && !(isDir && guard.mayContain(path))) continue;
      } else {
        const source = exclusions.excluded(path, isDir);
        if (source !== null && !guard.matches(path, isDir)) {
          result.excluded.push({ path, dir: isDir, source });
          if (isDir && guard.mayContain(path)) {
            // Excluded, but a guarded path may lie beneath: walk it for those only.
            const entry = entryFromStat(path, abs, info);
            if (entry !== null) result.entries.push(entry);
            const below = walk(path, true);
            totals.files += below.files;
            totals.bytes += below.bytes;
          }
          continue;
        }
        guarded = source !== null;
      }
      const entry = entryFromStat(path, abs, info);
      if (entry === null) {
        result.skipped.push(path);
        continue;
      }
      result.entries.push(entry);
      if (entry.type === "f") {
        totals.files++;
        totals.bytes += entry.size;
        result.files++;
        result.bytes += entry.size;
        if (result.files >= stopAfter) result.truncated = true;
      } else if (entry.type === "d") {
        const below = walk(path, guardedOnly && !guarded);
        totals.files += below.files;
        totals.bytes += below.bytes;
      }
      if (++seen % 1000 === 0) options.onProgress?.(result.files, result.bytes);
    }
    result.dirTotals.set(dir, totals);
    return totals;
  };
  walk("", false);
  result.entries.sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return result;
}
