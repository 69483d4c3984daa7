/**
 * Finds the instruction files of a tree: a synchronous walk (one `readdir` per
 * directory, no `stat` per file) that matches names against the include globs as it
 * descends, skips {@linkcode SKIPPED_DIRS}, never follows a symbolic link to a directory
 * and stops {@linkcode MAX_SCAN_DEPTH} levels down. Sidecar `*.bundle` files are never
 * instruction files themselves.
 *
 * Requires `--allow-read` on the tree.
 *
 * @module
 */

import { type DirState, GlobSet } from "./glob.ts";
import { type FileKind, fileKind, MAX_SCAN_DEPTH, SKIPPED_DIRS } from "./default_includes.ts";

/** One instruction file found by a scan. */
export interface FoundFile {
  /** Absolute path. */
  path: string;
  /** The name a statement must give it: relative to the root, or `~/…`, or absolute. */
  name: string;
  /** Its kind, from its path. */
  kind: FileKind;
}

/** What to scan. */
export interface ScanOptions {
  /** The include globs (already validated). */
  includes: readonly string[];
  /** Explicit absolute paths to add when they exist (`files` in a policy, `~` expanded). */
  files?: readonly string[];
  /** The home directory, to name explicit files below it `~/…`. */
  home?: string;
  /** Stop after this many directory entries (default {@linkcode MAX_SCAN_ENTRIES}). */
  maxEntries?: number;
  /** Filled in by the scan: entries seen, and whether it stopped at `maxEntries`. */
  stats?: { entries: number; truncated: boolean };
}

/** How many directory entries a scan looks at before it stops (a workdir of `~` or `/`). */
export const MAX_SCAN_ENTRIES = 200_000;

/**
 * The name a statement gives a file: its path relative to `root` when inside it, else
 * `~/…` below `home`, else the absolute path.
 *
 * @param path An absolute, normalised path.
 * @param root The scanned root.
 * @param home The home directory, or empty.
 * @returns The statement name.
 * @example
 * ```ts
 * import { statementName } from "./scanner.ts";
 * console.assert(statementName("/w/a/CLAUDE.md", "/w", "/h") === "a/CLAUDE.md");
 * console.assert(statementName("/h/.claude/CLAUDE.md", "/w", "/h") === "~/.claude/CLAUDE.md");
 * ```
 */
export function statementName(path: string, root: string, home: string): string {
  const base = root.endsWith("/") ? root : `${root}/`;
  if (path.startsWith(base)) return path.slice(base.length);
  const homeBase = home && home !== "/" ? (home.endsWith("/") ? home : `${home}/`) : "";
  if (homeBase && path.startsWith(homeBase)) return `~/${path.slice(homeBase.length)}`;
  return path;
}

/**
 * Scans `root` for instruction files.
 *
 * @param root The absolute directory to scan (a missing one yields nothing).
 * @param options The globs and explicit files.
 * @returns The files found, sorted by path.
 * @example
 * ```ts
 * import { scanTree } from "./scanner.ts";
 * const dir = Deno.makeTempDirSync();
 * Deno.mkdirSync(`${dir}/pkg/node_modules/x`, { recursive: true });
 * Deno.writeTextFileSync(`${dir}/pkg/CLAUDE.md`, "hi");
 * Deno.writeTextFileSync(`${dir}/pkg/node_modules/x/CLAUDE.md`, "skipped");
 * const found = scanTree(dir, { includes: ["CLAUDE.md"] });
 * console.assert(found.length === 1 && found[0]!.name === "pkg/CLAUDE.md");
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function scanTree(root: string, options: ScanOptions): FoundFile[] {
  const globs = new GlobSet(options.includes);
  const home = options.home ?? "";
  const found = new Map<string, FoundFile>();
  const add = (path: string) => {
    const name = statementName(path, root, home);
    found.set(path, { path, name, kind: fileKind(name) });
  };
  const stack: { dir: string; depth: number; state: DirState }[] = [
    { dir: root, depth: 0, state: globs.root() },
  ];
  const max = options.maxEntries ?? MAX_SCAN_ENTRIES;
  let entriesSeen = 0;
  let truncated = false;
  walk: while (stack.length > 0) {
    const { dir, depth, state } = stack.pop()!;
    let entries: Iterable<Deno.DirEntry>;
    try {
      entries = Deno.readDirSync(dir);
    } catch {
      continue; // missing or unreadable: nothing the agent can read either
    }
    for (const entry of entries) {
      if (++entriesSeen > max) {
        truncated = true;
        break walk;
      }
      const name = entry.name;
      if (entry.isDirectory) {
        if (depth < MAX_SCAN_DEPTH && !SKIPPED_DIRS.has(name)) {
          stack.push({
            dir: `${dir}/${name}`,
            depth: depth + 1,
            state: globs.enter(state, name),
          });
        }
        continue;
      }
      if (name.endsWith(".bundle") || globs.matchFile(state, name) < 0) continue;
      const path = `${dir}/${name}`;
      if (entry.isSymlink && !isFile(path)) continue; // a link to a directory is not followed
      add(path);
    }
  }
  if (options.stats) {
    options.stats.entries = Math.min(entriesSeen, max);
    options.stats.truncated = truncated;
  }
  for (const path of options.files ?? []) {
    if (!found.has(path) && isFile(path)) add(path);
  }
  return [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}
