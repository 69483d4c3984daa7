/**
 * Which paths the persistence guard watches: files that make code run after the agent
 * has exited, outside any sandbox — git hooks and git configuration (`core.hooksPath`,
 * `core.fsmonitor`, filters), direnv's `.envrc`, editor task and launch files, dev
 * container definitions — plus the profile's `guard` patterns (gitignore syntax).
 *
 * @module
 */

import { PatternList } from "./gitignore.ts";

export { DEFAULT_GUARD } from "./defaults.ts";

/** Matches guarded paths. */
export class GuardMatcher {
  /** The patterns in force. */
  readonly patterns: readonly string[];
  #list: PatternList;
  #prefixes: string[];

  /**
   * Creates a matcher.
   *
   * @param patterns Guard patterns (the built-in ones plus the profile's).
   */
  constructor(patterns: readonly string[]) {
    this.patterns = patterns;
    this.#list = new PatternList(patterns);
    // Literal leading directories of anchored patterns: `.git/hooks/` → `.git`, `.git/hooks`.
    this.#prefixes = patterns.filter((p) => p.replace(/^\//, "").includes("/")).map((p) =>
      p.replace(/^\//, "").replace(/\/$/, "")
    ).filter((p) => !/[*?[\\!]/.test(p));
  }

  /**
   * Whether a path is guarded.
   *
   * @param path The path relative to the workdir (non-empty).
   * @param isDir Whether it is a directory.
   * @returns True when a guard pattern matches it or a directory above it.
   * @example
   * ```ts
   * import { DEFAULT_GUARD, GuardMatcher } from "./guard_patterns.ts";
   * const guard = new GuardMatcher(DEFAULT_GUARD);
   * console.assert(guard.matches(".git/hooks/pre-commit", false));
   * console.assert(guard.matches("sub/.envrc", false));
   * console.assert(!guard.matches(".git/HEAD", false));
   * ```
   */
  matches(path: string, isDir: boolean): boolean {
    return path !== "" && this.#list.ignoresWithParents(path, isDir);
  }

  /**
   * Whether a guarded path may lie beneath a directory: an excluded directory is still
   * walked when it does (`.idea/` ignored by `.gitignore` is still guarded).
   *
   * @param dir The directory relative to the workdir.
   * @returns True when the directory is guarded or a literal guard pattern starts inside it.
   */
  mayContain(dir: string): boolean {
    return this.matches(dir, true) || this.#prefixes.some((p) => p.startsWith(`${dir}/`));
  }
}
