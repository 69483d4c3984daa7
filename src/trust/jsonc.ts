/**
 * A small strict JSONC reader for trust policies: JSON plus `//` and `/* *\/` comments and
 * trailing commas, refusing a key repeated within one object (a JSON parser silently
 * keeps the last, so `"enforcement": "deny", …, "enforcement": "audit"` would read as
 * audit). Errors name the line and column.
 *
 * Written here rather than taken from `jsonc-parser` so that `airlock run` reads a policy
 * without starting Deno's npm resolver (≈ 30 ms).
 *
 * @module
 */

/** The text is not well-formed JSONC; `message` is `LINE:COLUMN: what`. */
export class JsoncSyntaxError extends Error {
  /**
   * Creates the error.
   *
   * @param message `LINE:COLUMN: what`.
   */
  constructor(message: string) {
    super(message);
    this.name = "JsoncSyntaxError";
  }
}

/**
 * Parses JSONC.
 *
 * @param text The text.
 * @returns The value.
 * @throws {JsoncSyntaxError} On a syntax error or a repeated key.
 * @example
 * ```ts
 * import { parseJsonc } from "./jsonc.ts";
 * const value = parseJsonc('{ // note\n "a": [1, 2,], /* x *\/ }') as { a: number[] };
 * console.assert(value.a.length === 2);
 * ```
 */
export function parseJsonc(text: string): unknown {
  const reader = new Reader(text);
  const value = reader.value();
  reader.skip();
  if (reader.at < text.length) reader.fail("unexpected text after the value");
  return value;
}

const LITERAL = /true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// deno-lint-ignore no-control-regex
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

class Reader {
  at = 0;
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  fail(what: string): never {
    let line = 1;
    let start = 0;
    for (let i = 0; i < this.at && i < this.#text.length; i++) {
      if (this.#text[i] === "\n") {
        line++;
        start = i + 1;
      }
    }
    throw new JsoncSyntaxError(`${line}:${this.at - start + 1}: ${what}`);
  }

  /** Skips whitespace and comments. */
  skip(): void {
    const t = this.#text;
    while (this.at < t.length) {
      const c = t[this.at]!;
      if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\uFEFF") this.at++;
      else if (t.startsWith("//", this.at)) {
        const end = t.indexOf("\n", this.at);
        this.at = end < 0 ? t.length : end;
      } else if (t.startsWith("/*", this.at)) {
        const end = t.indexOf("*/", this.at + 2);
        if (end < 0) this.fail("unterminated comment");
        this.at = end + 2;
      } else break;
    }
  }

  value(): unknown {
    this.skip();
    const c = this.#text[this.at];
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    LITERAL.lastIndex = this.at;
    const literal = LITERAL.exec(this.#text);
    if (!literal) this.fail(c === undefined ? "unexpected end of text" : `unexpected "${c}"`);
    this.at += literal[0].length;
    return JSON.parse(literal[0]);
  }

  object(): Record<string, unknown> {
    this.at++; // {
    const out: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (;;) {
      this.skip();
      if (this.#text[this.at] === "}") {
        this.at++;
        return out;
      }
      if (this.#text[this.at] !== '"') this.fail("expected a key in double quotes");
      const keyAt = this.at;
      const key = this.string();
      if (seen.has(key)) {
        this.at = keyAt;
        this.fail(`repeats the key ${JSON.stringify(key)}`);
      }
      seen.add(key);
      this.skip();
      if (this.#text[this.at] !== ":") this.fail('expected ":"');
      this.at++;
      Object.defineProperty(out, key, {
        value: this.value(),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.skip();
      const next = this.#text[this.at];
      if (next === ",") this.at++;
      else if (next !== "}") this.fail('expected "," or "}"');
    }
  }

  array(): unknown[] {
    this.at++; // [
    const out: unknown[] = [];
    for (;;) {
      this.skip();
      if (this.#text[this.at] === "]") {
        this.at++;
        return out;
      }
      out.push(this.value());
      this.skip();
      const next = this.#text[this.at];
      if (next === ",") this.at++;
      else if (next !== "]") this.fail('expected "," or "]"');
    }
  }

  string(): string {
    STRING.lastIndex = this.at;
    const match = STRING.exec(this.#text);
    if (!match) this.fail("malformed string");
    this.at += match[0].length;
    return JSON.parse(match[0]);
  }
}
