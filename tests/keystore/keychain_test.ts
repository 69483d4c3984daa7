// The keychain backend itself needs macOS; these tests cover what does not: the query
// dictionaries (as data) and the OSStatus → error mapping.
import assert from "node:assert/strict";
import {
  addQuery,
  itemQuery,
  listQuery,
  readQuery,
  updateAttributes,
} from "../../src/keystore/macos/keychain_query.ts";
import { keychainError } from "../../src/keystore/macos/keychain_errors.ts";
import { KeychainKeystore } from "../../src/keystore/macos/keychain.ts";
import { OS_STATUS } from "../../ffi/security_framework.ts";
import { KeystoreError } from "../../src/errors.ts";

const keys = (query: ReturnType<typeof itemQuery>) => query.map(([key]) => key);

Deno.test("itemQuery() names the generic password of service airlock and the account", () => {
  assert.deepEqual(itemQuery("openai"), [
    ["kSecClass", { kind: "constant", name: "kSecClassGenericPassword" }],
    ["kSecAttrService", { kind: "string", text: "airlock" }],
    ["kSecAttrAccount", { kind: "string", text: "openai" }],
  ]);
});

Deno.test("addQuery() adds a label and the secret data to the item query", () => {
  const query = addQuery("openai");
  assert.deepEqual(keys(query), [
    "kSecClass",
    "kSecAttrService",
    "kSecAttrAccount",
    "kSecAttrLabel",
    "kSecValueData",
  ]);
  assert.deepEqual(query[4]![1], { kind: "secret" });
});

Deno.test("updateAttributes() changes only the data", () => {
  assert.deepEqual(updateAttributes(), [["kSecValueData", { kind: "secret" }]]);
});

Deno.test("readQuery() asks for one item's data", () => {
  const query = readQuery("openai");
  assert.deepEqual(query.slice(3), [
    ["kSecReturnData", { kind: "true" }],
    ["kSecMatchLimit", { kind: "constant", name: "kSecMatchLimitOne" }],
  ]);
});

Deno.test("listQuery() asks for every airlock item's attributes and never data", () => {
  const query = listQuery();
  assert.ok(!keys(query).includes("kSecReturnData"));
  assert.ok(!keys(query).includes("kSecAttrAccount"));
  assert.deepEqual(query.at(-1), ["kSecMatchLimit", {
    kind: "constant",
    name: "kSecMatchLimitAll",
  }]);
});

Deno.test("keychainError() maps a locked keychain that cannot prompt to a locked error", () => {
  const error = keychainError(
    'read credential "x" from the keychain',
    OS_STATUS.errSecInteractionNotAllowed,
  );
  assert.ok(error instanceof KeystoreError);
  assert.equal(
    error.message,
    'Cannot read credential "x" from the keychain: the keychain is locked and cannot prompt',
  );
  assert.match(error.hint ?? "", /security unlock-keychain/);
});

Deno.test("keychainError() gives every known OSStatus its own one-line state", () => {
  const states = new Set<string>();
  for (const status of Object.values(OS_STATUS).filter((s) => s !== 0)) {
    const error = keychainError("do it", status);
    assert.ok(!error.message.includes("\n"));
    states.add(error.message);
  }
  assert.equal(states.size, Object.values(OS_STATUS).length - 2); // two codes share "no keychain"
  assert.match(keychainError("do it", -1).message, /OSStatus -1$/);
});

Deno.test({
  name: "KeychainKeystore reports Security.framework as unusable off macOS",
  ignore: Deno.build.os === "darwin", // on a Mac the framework loads
  fn() {
    const keystore = new KeychainKeystore();
    assert.throws(
      () => keystore.list(),
      (e) => e instanceof KeystoreError && /Security.framework cannot be used/.test(e.message),
    );
    assert.equal(keystore.status().ok, false);
  },
});
