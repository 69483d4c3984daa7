/**
 * What a snapshot leaves out: a built-in set of dependency and cache directories, the
 * profile's `rollback.exclude` patterns and whatever `.gitignore` files ignore, all in
 * gitignore syntax. Guarded paths (see `guard.ts`) are recorded even when excluded.
 *
 * A snapshot reads `.gitignore` files as it walks; the patterns it read are stored with
 * it, and the scan after the run, `diff` and `restore` reuse exactly those — so an agent
 * cannot hide a change by editing a `.gitignore`. Nothing beneath `.git/` is excluded.
 *
 * @module
 */

import { PatternList } from "./gitignore.ts";
import type { ExclusionRules } from "./types.ts";
import { DEFAULT_EXCLUDES } from "./defaults.ts";

export { DEFAULT_EXCLUDES } from "./defaults.ts";

/** Why a path is excluded: `default`, `profile` or `.gitignore` (with its directory). */
export type ExclusionSource = "default" | "profile" | `gitignore:${string}`;

/** Decides, path by path, what a snapshot records. */
export class Exclusions {
  /** The rules in force (gitignore files are added as they are read). */
  readonly rules: ExclusionRules;
  #defaults: PatternList;
  #profile: PatternList;
  #gitignores = new Map<string, PatternList>();
  #live: boolean;

  /**
   * Creates the exclusions.
   *
   * @param rules Default, profile, guard and (when replaying a snapshot) gitignore patterns.
   * @param live Whether `.gitignore` files found while scanning are read and added (a new
   *   snapshot) or the recorded ones are used as they are (replaying a snapshot).
   */
  constructor(rules: ExclusionRules, live: boolean) {
    this.rules = { ...rules, gitignore: [...rules.gitignore] };
    this.#live = live;
    this.#defaults = new PatternList(rules.defaults);
    this.#profile = new PatternList(rules.profile);
    for (const g of rules.gitignore) this.#gitignores.set(g.dir, new PatternList(g.patterns));
  }

  /** Whether `.gitignore` files found while scanning should be read. */
  get live(): boolean {
    return this.#live;
  }

  /**
   * Adds the patterns of the `.gitignore` in `dir` (live mode only).
   *
   * @param dir The directory, relative to the workdir (`""` for the workdir).
   * @param text The file's contents.
   */
  addGitignore(dir: string, text: string): void {
    if (!this.#live) return;
    const patterns = text.split(/\r?\n/).filter((l) => l.trim() !== "" && !l.startsWith("#"));
    if (patterns.length === 0) return;
    this.rules.gitignore.push({ dir, patterns });
    this.#gitignores.set(dir, new PatternList(patterns));
  }

  /**
   * Why `path` is excluded, or null when it is recorded. Its parents are assumed not
   * excluded (the walk does not descend into excluded directories).
   *
   * @param path The path relative to the workdir (non-empty).
   * @param isDir Whether it is a directory (patterns ending in `/` match only those).
   * @returns The source of the exclusion, or null.
   * @example
   * ```ts
   * import { DEFAULT_EXCLUDES, Exclusions } from "./exclusions.ts";
   * const ex = new Exclusions({ defaults: [...DEFAULT_EXCLUDES], profile: ["*.tmp"], gitignore: [], guard: [] }, true);
   * ex.addGitignore("", "dist/\n");
   * console.assert(ex.excluded("web/node_modules", true) === "default");
   * console.assert(ex.excluded("a.tmp", false) === "profile");
   * console.assert(ex.excluded("dist", true) === "gitignore:");
   * console.assert(ex.excluded("src/main.ts", false) === null);
   * ```
   */
  excluded(path: string, isDir: boolean): ExclusionSource | null {
    if (path === ".git" || path.startsWith(".git/") || path.includes("/.git/")) return null;
    const own = this.#profile.test(path, isDir);
    if (own === "unignored") return null;
    if (own === "ignored") return "profile";
    if (this.#defaults.test(path, isDir) === "ignored") return "default";
    // The deepest .gitignore with a verdict wins, as in git.
    let dir = parentOf(path);
    for (;;) {
      const list = this.#gitignores.get(dir);
      if (list !== undefined) {
        const verdict = list.test(dir === "" ? path : path.slice(dir.length + 1), isDir);
        if (verdict === "ignored") return `gitignore:${dir}`;
        if (verdict === "unignored") return null;
      }
      if (dir === "") return null;
      dir = parentOf(dir);
    }
  }
}

/**
 * The parent of a relative path (`"a/b"` → `"a"`, `"a"` → `""`).
 *
 * @param path A relative path.
 * @returns Its parent, `""` for a top-level name.
 * @example Parents
 * ```ts
 * import { parentOf } from "./exclusions.ts";
 * console.assert(parentOf("a/b") === "a" && parentOf("a") === "");
 * ```
 */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "" : path.slice(0, slash);
}

/**
 * The default rules of a snapshot: built-in excludes, the profile's excludes and guards.
 *
 * @param profileExcludes The profile's `rollback.exclude`.
 * @param guard The guard patterns in force.
 * @returns Rules without gitignore patterns (the scan adds them).
 * @example The rules of a new snapshot
 * ```ts
 * import { baseRules } from "./exclusions.ts";
 * const rules = baseRules(["data/"], [".envrc"]);
 * console.assert(rules.defaults.includes("node_modules/") && rules.profile[0] === "data/");
 * ```
 */
export function baseRules(profileExcludes: string[], guard: string[]): ExclusionRules {
  return { defaults: [...DEFAULT_EXCLUDES], profile: [...profileExcludes], gitignore: [], guard };
}
