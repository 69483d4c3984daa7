/**
 * Terminal-safe display of strings that came from a client or an upstream (request
 * targets, paths, header names, host names, error texts): every character a terminal
 * could act on instead of printing is shown as an escape, so a hostile request cannot
 * move the cursor, erase a line, retitle the window or reorder text on screen (finding 2
 * of issue 10: a forged `audit show` row drawn with ESC sequences). JSON output stays
 * exact; JSON escapes control characters itself.
 *
 * Escaped: C0 controls and DEL (`\x1b`, `\x07`, `\t`, `\n`…), C1 controls (U+0080–U+009F,
 * which some terminals take as CSI and OSC), the bidirectional overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069), zero-width and other invisible format characters
 * (U+200B–U+200F, U+2028, U+2029, U+FEFF), lone surrogates, and the backslash itself (so an
 * escape in the output is never ambiguous with text that looked like one).
 *
 * @module
 */

const UNSAFE =
  // deno-lint-ignore no-control-regex
  /[\x00-\x1f\x7f-\x9f\\\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]|[\ud800-\udfff]/g;

function escape(ch: string): string {
  if (ch === "\\") return "\\\\";
  const code = ch.charCodeAt(0);
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u{${code.toString(16).padStart(4, "0")}}`;
}

/**
 * Escapes what a terminal could act on (see the module doc).
 *
 * @param text A string from a client, an upstream or a log.
 * @returns The same text with every unsafe character escaped; safe text is unchanged.
 * @example A forged row stays visible as text
 * ```ts
 * import { terminalSafe } from "./terminal_safe.ts";
 * console.assert(terminalSafe("a\x1b[2Kb\x07") === "a\\x1b[2Kb\\x07");
 * console.assert(terminalSafe("/v1/models?q=") === "/v1/models?q=");
 * console.assert(terminalSafe("x\u202ey") === "x\\u{202e}y");
 * ```
 */
export function terminalSafe(text: string): string {
  UNSAFE.lastIndex = 0;
  if (!UNSAFE.test(text)) return text;
  return text.replace(UNSAFE, (ch, offset: number) => {
    const code = ch.charCodeAt(0);
    // A well-formed surrogate pair (an emoji, say) is printable: keep it.
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(offset + 1);
      if (next >= 0xdc00 && next <= 0xdfff) return ch;
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      const prev = text.charCodeAt(offset - 1);
      if (prev >= 0xd800 && prev <= 0xdbff) return ch;
    }
    return escape(ch);
  });
}
