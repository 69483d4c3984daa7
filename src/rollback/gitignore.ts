/**
 * gitignore patterns compiled to regular expressions, for the walk's hot loop (a
 * general-purpose matcher cost ≈ 60 µs a path, most of a snapshot's scan time). The
 * semantics are git's (`gitignore(5)`), checked against `git check-ignore` in the tests:
 * `!` negates, a trailing `/` matches directories only, a pattern with a `/` at its start
 * or in its middle is anchored to its base directory (otherwise it matches a name at any
 * depth), `*` and `?` do not match `/`, `[…]` is a class, `**` spans directories in
 * `**` followed by a slash, a trailing slash and `**`, and a slash, `**` and a slash, a backslash escapes. The last matching pattern wins.
 *
 * @module
 */

/** One compiled pattern. */
interface Rule {
  re: RegExp;
  negate: boolean;
  dirOnly: boolean;
}

function escape(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c;
}

/** Translates a glob body to a regular expression source. */
function globSource(body: string): string {
  let re = "";
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === "\\" && i + 1 < body.length) {
      re += escape(body[++i]!);
    } else if (c === "*") {
      if (body[i + 1] === "*") {
        const afterSlash = i === 0 || body[i - 1] === "/";
        if (afterSlash && body[i + 2] === "/") {
          re += "(?:.*/)?";
          i += 2;
          continue;
        }
        if (afterSlash && i + 2 === body.length) {
          re += ".*";
          i += 1;
          continue;
        }
        while (body[i + 1] === "*") i++;
      }
      re += "[^/]*";
    } else if (c === "?") {
      re += "[^/]";
    } else if (c === "[") {
      const end = body.indexOf("]", i + 2);
      if (end < 0) {
        re += "\\[";
        continue;
      }
      let cls = body.slice(i + 1, end);
      const negate = cls.startsWith("!") || cls.startsWith("^");
      if (negate) cls = cls.slice(1);
      re += `[${negate ? "^" : ""}${cls.replace(/\\/g, "\\\\").replace(/\//g, "")}]`;
      i = end;
    } else {
      re += escape(c);
    }
  }
  return re;
}

/**
 * Compiles one line of a gitignore file.
 *
 * @param line The line.
 * @returns The rule, or null for blank lines and comments.
 */
function compile(line: string): Rule | null {
  let p = line.replace(/(?<!\\)\s+$/, "");
  if (p === "" || p.startsWith("#")) return null;
  let negate = false;
  if (p.startsWith("!")) {
    negate = true;
    p = p.slice(1);
  } else if (p.startsWith("\\!") || p.startsWith("\\#")) {
    p = p.slice(1);
  }
  const dirOnly = p.endsWith("/");
  if (dirOnly) p = p.replace(/\/+$/, "");
  if (p === "") return null;
  const anchored = p.includes("/");
  p = p.replace(/^\//, "");
  const source = anchored ? `^${globSource(p)}$` : `(?:^|/)${globSource(p)}$`;
  return { re: new RegExp(source), negate, dirOnly };
}

/** A list of gitignore patterns, relative to one base directory. */
export class PatternList {
  #rules: Rule[];
  #anyFile: RegExp | null;
  #anyDir: RegExp | null;

  /**
   * Compiles the patterns.
   *
   * @param patterns The lines, in order.
   */
  constructor(patterns: readonly string[]) {
    this.#rules = patterns.map(compile).filter((r): r is Rule => r !== null);
    // Without negations the verdict is "ignored" when any rule matches: one test.
    const plain = !this.#rules.some((r) => r.negate);
    const union = (rules: Rule[]) => new RegExp(rules.map((r) => r.re.source).join("|") || "$^");
    this.#anyFile = plain ? union(this.#rules.filter((r) => !r.dirOnly)) : null;
    this.#anyDir = plain ? union(this.#rules) : null;
  }

  /**
   * The verdict for one path (its parents are not looked at).
   *
   * @param path The path relative to the base directory.
   * @param isDir Whether it is a directory.
   * @returns `ignored`, `unignored` (a negation matched last), or null (no pattern matched).
   * @example
   * ```ts
   * import { PatternList } from "./gitignore.ts";
   * const list = new PatternList(["*.log", "!keep.log", "build/", "/docs/**\/*.tmp"]);
   * console.assert(list.test("a/b.log", false) === "ignored");
   * console.assert(list.test("keep.log", false) === "unignored");
   * console.assert(list.test("build", true) === "ignored" && list.test("build", false) === null);
   * console.assert(list.test("docs/x/y.tmp", false) === "ignored" && list.test("a/docs/y.tmp", false) === null);
   * ```
   */
  test(path: string, isDir: boolean): "ignored" | "unignored" | null {
    const any = isDir ? this.#anyDir : this.#anyFile;
    if (any !== null) return any.test(path) ? "ignored" : null;
    for (let i = this.#rules.length - 1; i >= 0; i--) {
      const rule = this.#rules[i]!;
      if (rule.dirOnly && !isDir) continue;
      if (rule.re.test(path)) return rule.negate ? "unignored" : "ignored";
    }
    return null;
  }

  /**
   * Whether a path or one of its parent directories is ignored, as git decides for a
   * path it reaches without walking (a parent excluded excludes everything beneath).
   *
   * @param path The path relative to the base directory.
   * @param isDir Whether the path itself is a directory.
   * @returns True when ignored.
   */
  ignoresWithParents(path: string, isDir: boolean): boolean {
    let at = 0;
    for (;;) {
      const slash = path.indexOf("/", at);
      if (slash < 0) break;
      if (this.test(path.slice(0, slash), true) === "ignored") return true;
      at = slash + 1;
    }
    return this.test(path, isDir) === "ignored";
  }
}
