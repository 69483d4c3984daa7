/**
 * Splits a `cmd:` credential helper command line into argv, without a shell: words are
 * separated by whitespace; `'…'` is literal; `"…"` keeps spaces and honours `\"` and `\\`;
 * outside quotes a backslash escapes the next character. No expansion of any kind.
 *
 * @module
 */

import { KeystoreError } from "../errors.ts";

/**
 * Splits `text` into words with simple shell-like quoting.
 *
 * @param text The command line, e.g. `op read "op://Private/OpenAI/api key"`.
 * @param context The start of the error message, e.g. `Cannot parse credential reference "cmd:…"`.
 * @returns At least one word.
 * @throws {KeystoreError} On an unterminated quote, a trailing backslash, or no words.
 * @example
 * ```ts
 * import { splitCommand } from "./split_command.ts";
 * const argv = splitCommand(`pass show "work/open ai" 'a b'`, "Cannot parse");
 * console.assert(argv.length === 4 && argv[2] === "work/open ai" && argv[3] === "a b");
 * ```
 */
export function splitCommand(text: string, context: string): [string, ...string[]] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else word += ch;
    } else if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === "\\" && (text[i + 1] === '"' || text[i + 1] === "\\")) word += text[++i];
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === "\\") {
      if (i + 1 >= text.length) throw splitError(context, "it ends with a backslash");
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote !== undefined) throw splitError(context, `a ${quote} quote is not closed`);
  if (inWord) words.push(word);
  const [first, ...rest] = words;
  if (first === undefined) throw splitError(context, "the command is empty");
  return [first, ...rest];
}

function splitError(context: string, state: string): KeystoreError {
  return new KeystoreError(`${context}: ${state}`, {
    hint: `Write cmd:PROGRAM ARGS…, quoting arguments with spaces: cmd:pass show "api keys/openai"`,
  });
}
