import assert from "node:assert/strict";
import { getKeystore, isAccountName, keystoreStatus } from "../../src/keystore/mod.ts";
import { UnsupportedKeystore } from "../../src/keystore/unsupported.ts";
import { KeystoreError } from "../../src/errors.ts";
import { SecretBytes } from "../../src/credentials/secret_bytes.ts";
import { HAS_KEYRING } from "./_helpers.ts";

Deno.test("getKeystore() picks the backend of this OS, once", () => {
  const expected = { linux: "secret-service", darwin: "keychain" }[Deno.build.os as string] ??
    "none";
  assert.equal(getKeystore().name, expected);
  assert.equal(getKeystore(), getKeystore());
});

Deno.test({
  name: "keystoreStatus() reports the Secret Service as ok inside a keyring session",
  ignore: Deno.build.os !== "linux" || !HAS_KEYRING,
  async fn() {
    const status = await keystoreStatus();
    assert.deepEqual({ backend: status.backend, ok: status.ok }, {
      backend: "secret-service",
      ok: true,
    });
  },
});

Deno.test("UnsupportedKeystore refuses every call with a hint to use other references", () => {
  const keystore = new UnsupportedKeystore("plan9");
  const calls = [
    () => keystore.get("a"),
    () => keystore.set("a", new SecretBytes(new Uint8Array([1]))),
    () => keystore.remove("a"),
    () => keystore.list(),
  ];
  for (const call of calls) {
    assert.throws(
      call,
      (e) =>
        e instanceof KeystoreError && /no keystore backend for plan9$/.test(e.message) &&
        /env:VAR/.test(e.hint ?? ""),
    );
  }
  assert.deepEqual(keystore.status(), {
    backend: "none",
    ok: false,
    detail: "no keystore backend for plan9",
  });
});

const names: Array<[string, boolean]> = [
  ["openai", true],
  ["A.b_c-9", true],
  ["x".repeat(128), true],
  ["", false],
  ["x".repeat(129), false],
  ["a b", false],
  ["a/b", false],
  ["a:b", false],
  ["é", false],
  ["a\n", false],
];
for (const [name, valid] of names) {
  Deno.test(`isAccountName() ${valid ? "accepts" : "rejects"} ${JSON.stringify(name.slice(0, 12))}`, () => {
    assert.equal(isAccountName(name), valid);
  });
}
