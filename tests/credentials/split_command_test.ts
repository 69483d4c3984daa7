import assert from "node:assert/strict";
import { splitCommand } from "../../src/credentials/split_command.ts";
import { KeystoreError } from "../../src/errors.ts";

const good: Array<[string, string[]]> = [
  ["gh auth token", ["gh", "auth", "token"]],
  ["  op   read\top://a/b  ", ["op", "read", "op://a/b"]],
  [`pass show "api keys/openai"`, ["pass", "show", "api keys/openai"]],
  [`echo 'a "b" c'`, ["echo", `a "b" c`]],
  [`echo "say \\"hi\\" \\\\ \\n"`, ["echo", `say "hi" \\ \\n`]],
  [`echo a\\ b`, ["echo", "a b"]],
  [`echo '' ""`, ["echo", "", ""]],
  [`echo $HOME *`, ["echo", "$HOME", "*"]],
  [`a"b"'c'`, ["abc"]],
];
for (const [text, argv] of good) {
  Deno.test(`splitCommand() splits ${JSON.stringify(text)}`, () => {
    assert.deepEqual(splitCommand(text, "Cannot parse"), argv);
  });
}

const bad: Array<[string, string]> = [
  ["", "the command is empty"],
  ["   ", "the command is empty"],
  [`echo "open`, 'a " quote is not closed'],
  [`echo 'open`, "a ' quote is not closed"],
  [`echo \\`, "it ends with a backslash"],
];
for (const [text, state] of bad) {
  Deno.test(`splitCommand() refuses ${JSON.stringify(text)}: ${state}`, () => {
    assert.throws(
      () => splitCommand(text, "Cannot parse credential reference"),
      (e) =>
        e instanceof KeystoreError &&
        e.message === `Cannot parse credential reference: ${state}` && e.hint !== undefined,
    );
  });
}
