import assert from "node:assert/strict";
import {
  type CredentialRef,
  describeCredentialRef,
  parseCredentialRef,
} from "../../src/credentials/ref.ts";
import { KeystoreError } from "../../src/errors.ts";

const good: Array<[string, CredentialRef, string]> = [
  ["openai", { scheme: "keyring", name: "openai" }, "keyring:openai"],
  [
    "keyring:work.anthropic",
    { scheme: "keyring", name: "work.anthropic" },
    "keyring:work.anthropic",
  ],
  ["env:OPENAI_API_KEY", { scheme: "env", variable: "OPENAI_API_KEY" }, "env:OPENAI_API_KEY"],
  ["file:/run/secrets/key", { scheme: "file", path: "/run/secrets/key" }, "file:/run/secrets/key"],
  ["file:~/.config/key", { scheme: "file", path: "~/.config/key" }, "file:~/.config/key"],
  ["cmd:gh auth token", { scheme: "cmd", argv: ["gh", "auth", "token"] }, "cmd:gh …"],
  ["cmd:my-helper", { scheme: "cmd", argv: ["my-helper"] }, "cmd:my-helper"],
  [`cmd:op read "op://Private/Open AI/key"`, {
    scheme: "cmd",
    argv: ["op", "read", "op://Private/Open AI/key"],
  }, "cmd:op …"],
];
for (const [text, ref, shown] of good) {
  Deno.test(`parseCredentialRef() parses ${JSON.stringify(text)}`, () => {
    assert.deepEqual(parseCredentialRef(text), ref);
    assert.equal(describeCredentialRef(ref), shown);
  });
}

const bad: Array<[string, RegExp]> = [
  ["vault:openai", /^Cannot parse credential reference: unknown scheme "vault"$/],
  ["https://example.com/key", /unknown scheme "https"$/],
  ["keyring:", /the keyring name is not valid$/],
  ["keyring:has space", /the keyring name is not valid$/],
  ["has space", /the keyring name is not valid$/],
  ["env:", /the variable name is not valid$/],
  ["env:1ABC", /the variable name is not valid$/],
  ["env:A-B", /the variable name is not valid$/],
  ["file:", /the path is empty$/],
  ["cmd:", /the command is empty$/],
  [`cmd:op read "x`, /quote is not closed$/],
];
for (const [text, message] of bad) {
  Deno.test(`parseCredentialRef() refuses ${JSON.stringify(text)}`, () => {
    assert.throws(() => parseCredentialRef(text), (e) => {
      assert.ok(e instanceof KeystoreError);
      assert.match(e.message, message);
      assert.ok(e.hint);
      return true;
    });
  });
}

Deno.test("parseCredentialRef() lists every scheme when the scheme is unknown", () => {
  assert.throws(() => parseCredentialRef("op:x"), (e) => {
    assert.ok(e instanceof KeystoreError);
    for (const scheme of ["keyring:", "env:", "file:", "cmd:"]) assert.ok(e.hint?.includes(scheme));
    return true;
  });
});

Deno.test("parseCredentialRef() does not echo the text after an unknown scheme", () => {
  assert.throws(() => parseCredentialRef("sk:proj-abcdef123456"), (e) => {
    assert.ok(e instanceof Error && !e.message.includes("abcdef123456"));
    return true;
  });
});
