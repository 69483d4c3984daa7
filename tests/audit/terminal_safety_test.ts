/**
 * Terminal safety of what clients and upstreams sent: every table cell, error and log
 * line is escaped (`terminalSafe`); the live reproducer of finding 2 is
 * `forged_row_test.ts`.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { formatRecords, formatSessions } from "../../src/cli/audit.ts";
import { terminalSafe } from "../../src/audit/terminal_safe.ts";
import { formatError, ProxyError } from "../../src/errors.ts";
import { FORGED } from "./forged_row_test.ts";

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

Deno.test("formatRecords() escapes every cell a client or upstream could have written", () => {
  const text = formatRecords([{
    time: "2026-01-01T00:00:00.000Z",
    kind: "connect",
    host: FORGED,
    method: "CONNECT\x1b]0;title\x07",
    path: "/\u202eevil",
    status: 400,
    bytesUp: 0,
    bytesDown: 0,
    durationMs: 0,
    decision: "bad-request",
    detail: "upstream said \x1b[31mred",
  }]);
  assert(!CONTROL.test(text), JSON.stringify(text));
  assert(!text.includes("\u202e"));
  assert(text.includes("\\x1b[1A"));
  assert(text.includes("\\u{202e}evil"));
  const sessions = formatSessions([{
    id: "s",
    requests: 1,
    refused: 0,
    sealed: true,
    profile: "p\x1b[2J",
  }]);
  assert(!CONTROL.test(sessions));
});

Deno.test("formatError() escapes control characters a message or hint carries", () => {
  const text = formatError(new ProxyError("Cannot reach \x1b[2Kupstream", { hint: "see \x07" }));
  assert(!CONTROL.test(text.replace("\n", "")), JSON.stringify(text));
  assert(text.includes("\\x1b[2K") && text.includes("\\x07"));
});

const TABLE: [string, string][] = [
  ["plain ASCII", "GET /v1/models?x="],
  ["an emoji (a surrogate pair)", "ok 🙂"],
  ["accented letters", "café"],
];

for (const [what, text] of TABLE) {
  Deno.test(`terminalSafe() keeps ${what} unchanged`, () => {
    assertEquals(terminalSafe(text), text);
  });
}

const ESCAPED: [string, string, string][] = [
  ["ESC", "\x1b", "\\x1b"],
  ["BEL", "\x07", "\\x07"],
  ["CR", "\r", "\\x0d"],
  ["LF", "\n", "\\x0a"],
  ["TAB", "\t", "\\x09"],
  ["NUL", "\0", "\\x00"],
  ["DEL", "\x7f", "\\x7f"],
  ["C1 CSI", "\u009b", "\\x9b"],
  ["a bidi override", "\u202e", "\\u{202e}"],
  ["a bidi isolate", "\u2066", "\\u{2066}"],
  ["a zero-width space", "\u200b", "\\u{200b}"],
  ["a line separator", "\u2028", "\\u{2028}"],
  ["a BOM", "\ufeff", "\\u{feff}"],
  ["a lone surrogate", "\ud800", "\\u{d800}"],
  ["a backslash", "\\", "\\\\"],
];

for (const [what, input, output] of ESCAPED) {
  Deno.test(`terminalSafe() escapes ${what}`, () => {
    assertEquals(terminalSafe(`a${input}b`), `a${output}b`);
  });
}
