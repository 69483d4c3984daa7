/**
 * Include globs for instruction files, compiled once and matched while a directory tree
 * is walked, one path segment at a time.
 *
 * Syntax: `*` matches any characters within one segment, `?` one character, `**` as a
 * whole segment any number of segments (one or more when it ends the pattern, so
 * `.cursor/rules/**` matches files inside `.cursor/rules`). A pattern matches at any
 * depth (`.claude/**\/*.md` also matches `pkg/.claude/x.md`) unless it starts with `/`,
 * which anchors it at the scanned root. Nothing else is special: `[`, `{`, `\`, an
 * empty, `.` or `..` segment and `**` inside a segment are refused, so a pattern
 * always means what it looks like.
 *
 * The matcher is a small NFA over segments: {@linkcode GlobSet.root} gives the state of
 * the root directory, {@linkcode GlobSet.enter} the state of a child directory, and
 * {@linkcode GlobSet.matchFile} the index of the first pattern a file name completes.
 * States are interned, so the common case (a directory no pattern has entered) costs a
 * map lookup per file.
 *
 * @module
 */

/** One compiled segment. */
type Segment =
  | { kind: "globstar" }
  | { kind: "literal"; text: string }
  | { kind: "prefix"; text: string }
  | { kind: "wild"; re: RegExp };

interface Compiled {
  anchored: boolean;
  segments: Segment[];
}

/** The matcher state of one directory. */
export interface DirState {
  /** Active (pattern, segment) pairs, encoded `pattern * 256 + segment`, sorted. */
  readonly states: readonly number[];
  /** File names a pattern completes literally here → the lowest pattern index. */
  readonly literals: ReadonlyMap<string, number>;
  /** Non-literal final segments active here, in pattern order. */
  readonly tests: readonly { index: number; segment: Segment | null }[];
  /** Child states already computed, by directory name (only for non-trivial children). */
  readonly children: Map<string, DirState>;
}

const MAX_PATTERN_LENGTH = 512;
const MAX_SEGMENTS = 64;

/**
 * Names the problem with a glob, or returns null when it is valid.
 *
 * @param pattern The glob as written.
 * @returns A phrase such as `has an empty segment`, or null.
 * @example
 * ```ts
 * import { globProblem } from "./glob.ts";
 * console.assert(globProblem(".claude/**\/*.md") === null);
 * console.assert(globProblem("a/../b") !== null);
 * ```
 */
export function globProblem(pattern: string): string | null {
  // Plain string operations, no regular expressions: this runs on every launch, where each
  // first use of a regular expression costs a compilation.
  if (typeof pattern !== "string" || pattern.length === 0) return "must be a non-empty string";
  if (pattern.length > MAX_PATTERN_LENGTH) {
    return `must be at most ${MAX_PATTERN_LENGTH} characters`;
  }
  const body = pattern.startsWith("/") ? pattern.slice(1) : pattern;
  const segments = body.split("/");
  if (segments.length > MAX_SEGMENTS) return `must have at most ${MAX_SEGMENTS} segments`;
  let onlyGlobstars = true;
  for (const seg of segments) {
    if (seg === "") return "has an empty segment (a doubled, leading or trailing /)";
    if (seg === "." || seg === "..") {
      return `has a "${seg}" segment (patterns stay inside the tree)`;
    }
    if (seg !== "**" && seg.includes("**")) return '"**" must be a whole segment';
    if (seg !== "**") onlyGlobstars = false;
    for (const c of seg) {
      if ("[]{}\\".includes(c)) return `uses "${c}", which is not supported (only *, ? and **)`;
      if (c < " ") return "contains a control character";
    }
  }
  if (onlyGlobstars) return "matches every file";
  return null;
}

function compileSegment(seg: string): Segment {
  if (seg === "**") return { kind: "globstar" };
  const star = seg.indexOf("*");
  if (star < 0 && !seg.includes("?")) return { kind: "literal", text: seg };
  if (star === seg.length - 1 && !seg.includes("?")) {
    return { kind: "prefix", text: seg.slice(0, -1) };
  }
  let source = "";
  for (const c of seg) {
    source += c === "*" ? "[^/]*" : c === "?" ? "[^/]" : ".+^$()|".includes(c) ? `\\${c}` : c;
  }
  return { kind: "wild", re: new RegExp(`^${source}$`) };
}

function segmentMatches(seg: Segment, name: string): boolean {
  switch (seg.kind) {
    case "globstar":
      return true;
    case "literal":
      return seg.text === name;
    case "prefix":
      return name.startsWith(seg.text);
    case "wild":
      return seg.re.test(name);
  }
}

/**
 * A compiled set of include globs.
 *
 * @example
 * ```ts
 * import { GlobSet } from "./glob.ts";
 * const set = new GlobSet(["CLAUDE.md", ".claude/commands/**"]);
 * console.assert(set.matchPath("pkg/CLAUDE.md") === 0);
 * console.assert(set.matchPath(".claude/commands/x/y.md") === 1);
 * console.assert(set.matchPath(".claude/commands") === -1);
 * ```
 */
export class GlobSet {
  /** The patterns, as given. */
  readonly patterns: readonly string[];
  readonly #compiled: Compiled[];
  readonly #interned = new Map<string, DirState>();
  readonly #root: DirState;
  /** Unanchored start states, active in every directory. */
  readonly #everywhere: number[];

  /**
   * Compiles the patterns.
   *
   * @param patterns Valid globs (see {@linkcode globProblem}).
   * @throws {TypeError} When a pattern is invalid.
   */
  constructor(patterns: readonly string[]) {
    if (patterns.length >= 1 << 22) throw new TypeError("Cannot compile globs: too many patterns");
    this.patterns = patterns;
    this.#compiled = patterns.map((pattern) => {
      const problem = globProblem(pattern);
      if (problem) {
        throw new TypeError(`Cannot compile glob ${JSON.stringify(pattern)}: ${problem}`);
      }
      const anchored = pattern.startsWith("/");
      const body = anchored ? pattern.slice(1) : pattern;
      return { anchored, segments: body.split("/").map(compileSegment) };
    });
    this.#everywhere = this.#closure(
      this.#compiled.flatMap((c, i) => (c.anchored ? [] : [i * 256])),
    );
    const rootStates = this.#closure(this.#compiled.map((_, i) => i * 256));
    this.#root = this.#intern(rootStates);
  }

  /**
   * The state of the scanned root directory.
   *
   * @returns The root state.
   */
  root(): DirState {
    return this.#root;
  }

  /**
   * The state of directory `name` inside a directory in state `parent`.
   *
   * @param parent The parent's state.
   * @param name The child directory's name.
   * @returns The child's state.
   */
  enter(parent: DirState, name: string): DirState {
    const cached = parent.children.get(name);
    if (cached) return cached;
    const next = new Set<number>(this.#everywhere);
    for (const state of parent.states) {
      const c = this.#compiled[state >> 8]!;
      const i = state & 255;
      const seg = c.segments[i]!;
      if (seg.kind === "globstar") next.add(state);
      else if (i + 1 < c.segments.length && segmentMatches(seg, name)) next.add(state + 1);
    }
    const child = this.#intern(this.#closure([...next]));
    // Only remember children that differ from the parent: the usual directory changes nothing.
    if (child !== parent && parent.children.size < 4096) parent.children.set(name, child);
    return child;
  }

  /**
   * The index of the first pattern that file `name` in a directory in state `dir` matches.
   *
   * @param dir The directory's state.
   * @param name The file's name.
   * @returns The pattern index, or -1.
   */
  matchFile(dir: DirState, name: string): number {
    let best = dir.literals.get(name) ?? -1;
    for (const test of dir.tests) {
      if (best !== -1 && test.index > best) break;
      if (test.segment === null || segmentMatches(test.segment, name)) {
        best = best === -1 ? test.index : Math.min(best, test.index);
        break;
      }
    }
    return best;
  }

  /**
   * Matches a relative path (`a/b/CLAUDE.md`) directly.
   *
   * @param relPath A path relative to the root, `/`-separated.
   * @returns The index of the first matching pattern, or -1.
   */
  matchPath(relPath: string): number {
    const parts = relPath.split("/");
    let state = this.#root;
    for (const part of parts.slice(0, -1)) state = this.enter(state, part);
    return this.matchFile(state, parts[parts.length - 1] ?? "");
  }

  /** Adds the states reachable through `**` matching zero segments (not a trailing one). */
  #closure(states: number[]): number[] {
    const out = new Set<number>();
    const stack = [...states];
    while (stack.length > 0) {
      const state = stack.pop()!;
      if (out.has(state)) continue;
      out.add(state);
      const c = this.#compiled[state >> 8]!;
      const i = state & 255;
      if (c.segments[i]?.kind === "globstar" && i + 1 < c.segments.length) stack.push(state + 1);
    }
    return [...out].sort((a, b) => a - b);
  }

  #intern(states: number[]): DirState {
    const key = states.join(",");
    const known = this.#interned.get(key);
    if (known) return known;
    const literals = new Map<string, number>();
    const tests: { index: number; segment: Segment | null }[] = [];
    for (const state of states) {
      const index = state >> 8;
      const c = this.#compiled[index]!;
      const i = state & 255;
      const seg = c.segments[i]!;
      const last = i + 1 === c.segments.length;
      if (!last) continue;
      if (seg.kind === "literal") {
        if (!literals.has(seg.text)) literals.set(seg.text, index);
      } else tests.push({ index, segment: seg.kind === "globstar" ? null : seg });
    }
    const dir: DirState = { states, literals, tests, children: new Map() };
    this.#interned.set(key, dir);
    return dir;
  }
}
