/**
 * Phase one of loading a profile: JSON or JSONC text to a plain value, with malformed
 * input reported by file, line and column.
 *
 * @module
 */

import { parse, type ParseError, printParseErrorCode, visit } from "jsonc-parser";
import { ProfileError } from "../errors.ts";

/**
 * Converts a character offset in `text` to a 1-based line and column.
 *
 * @param text The whole text.
 * @param offset A character offset into it.
 * @returns The line and column, both starting at 1.
 * @example Second line
 * ```ts
 * import { lineColumn } from "./parse.ts";
 * const pos = lineColumn("{\n  x", 4);
 * console.assert(pos.line === 2 && pos.column === 3);
 * ```
 */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === "\n") {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Turns jsonc-parser's error code (`InvalidSymbol`) into words (`invalid symbol`). */
function describe(error: ParseError): string {
  return printParseErrorCode(error.error).replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
}

/**
 * Finds the first key repeated within one object (JSON parsers silently keep the last).
 *
 * @param text Well-formed JSONC.
 * @returns The key and its offset, or null.
 */
function repeatedKey(text: string): { key: string; offset: number } | null {
  const stack: Set<string>[] = [];
  let found: { key: string; offset: number } | null = null;
  visit(text, {
    onObjectBegin: () => void stack.push(new Set()),
    onObjectEnd: () => void stack.pop(),
    onObjectProperty: (key, offset) => {
      const keys = stack[stack.length - 1];
      if (found === null && keys?.has(key)) found = { key, offset };
      keys?.add(key);
    },
  }, { allowTrailingComma: true, disallowComments: false });
  return found;
}

/**
 * Parses profile text as JSONC (comments and trailing commas allowed).
 *
 * @param text The file's contents.
 * @param name The profile's name or path, for messages.
 * @param file The file the text came from, for messages.
 * @returns The parsed value (not yet validated).
 * @throws {ProfileError} When the text is not well-formed JSONC or repeats a key in one
 *   object, naming file, line and column.
 * @example Comments are allowed
 * ```ts
 * import { parseProfileText } from "./parse.ts";
 * const value = parseProfileText('{ // a comment\n "description": "x", }', "x", "x.jsonc");
 * console.assert((value as { description: string }).description === "x");
 * ```
 */
export function parseProfileText(text: string, name: string, file: string): unknown {
  const errors: ParseError[] = [];
  const value = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first !== undefined) {
    const { line, column } = lineColumn(text, first.offset);
    throw new ProfileError(
      `Cannot load profile "${name}": ${file}:${line}:${column} is not valid JSONC: ${
        describe(first)
      }`,
      { hint: "fix the syntax at that line and column" },
    );
  }
  const repeated = repeatedKey(text);
  if (repeated !== null) {
    const { line, column } = lineColumn(text, repeated.offset);
    throw new ProfileError(
      `Cannot load profile "${name}": ${file}:${line}:${column} repeats the key "${repeated.key}"`,
      { hint: "merge the two entries into one" },
    );
  }
  return value;
}
