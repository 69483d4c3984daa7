import assert from "node:assert/strict";
import { SecretServiceKeystore } from "../../src/keystore/linux/secret_service.ts";
import { SecretBytes } from "../../src/credentials/secret_bytes.ts";
import { KeystoreError } from "../../src/errors.ts";
import { NEEDS_KEYRING, secretTool, uniqueName } from "./_helpers.ts";

const keystore = new SecretServiceKeystore();
const text = (secret: SecretBytes | null) =>
  secret === null ? null : new TextDecoder().decode(secret.bytes());
const secretOf = (value: string) => new SecretBytes(new TextEncoder().encode(value));
const notLinux = Deno.build.os !== "linux"; // the Secret Service backend is Linux-only

Deno.test({
  name: "SecretServiceKeystore get() returns what secret-tool stored",
  ignore: NEEDS_KEYRING || notLinux,
  async fn() {
    const name = uniqueName("from-tool");
    const stored = await secretTool(
      ["store", "--label=test", "service", "airlock", "account", name],
      "value-from-secret-tool",
    );
    assert.deepEqual(stored.code, 0, stored.stderr);
    assert.deepEqual(text(keystore.get(name)), "value-from-secret-tool");
    keystore.remove(name);
  },
});

Deno.test({
  name: "SecretServiceKeystore set() stores what secret-tool lookup prints",
  ignore: NEEDS_KEYRING || notLinux,
  async fn() {
    const name = uniqueName("to-tool");
    keystore.set(name, secretOf("value-for-secret-tool"));
    const looked = await secretTool(["lookup", "service", "airlock", "account", name]);
    assert.deepEqual(looked.code, 0);
    assert.deepEqual(looked.stdout, "value-for-secret-tool");
    keystore.remove(name);
  },
});

Deno.test({
  name: "SecretServiceKeystore set() overwrites an existing item",
  ignore: NEEDS_KEYRING || notLinux,
  fn() {
    const name = uniqueName("overwrite");
    keystore.set(name, secretOf("first"));
    keystore.set(name, secretOf("second"));
    assert.deepEqual(text(keystore.get(name)), "second");
    assert.deepEqual(keystore.list().filter((n) => n === name).length, 1);
    keystore.remove(name);
  },
});

Deno.test({
  name: "SecretServiceKeystore round-trips binary secrets with NUL and non-UTF-8 bytes",
  ignore: NEEDS_KEYRING || notLinux,
  fn() {
    const name = uniqueName("binary");
    const bytes = new Uint8Array([0, 1, 255, 0xc3, 0x28, 0, 10, 13]);
    keystore.set(name, SecretBytes.copyOf(bytes));
    assert.deepEqual(keystore.get(name)?.bytes(), bytes);
    keystore.remove(name);
  },
});

Deno.test({
  name: "SecretServiceKeystore remove() deletes the item and reports whether one existed",
  ignore: NEEDS_KEYRING || notLinux,
  async fn() {
    const name = uniqueName("remove");
    keystore.set(name, secretOf("gone soon"));
    assert.deepEqual(keystore.remove(name), true);
    assert.deepEqual(keystore.remove(name), false);
    assert.deepEqual(keystore.get(name), null);
    const looked = await secretTool(["lookup", "service", "airlock", "account", name]);
    assert.deepEqual(looked.stdout, "");
  },
});

Deno.test({
  name: "SecretServiceKeystore list() names airlock items only, including secret-tool's",
  ignore: NEEDS_KEYRING || notLinux,
  async fn() {
    const mine = uniqueName("list-mine");
    const viaTool = uniqueName("list-tool");
    const other = uniqueName("list-other");
    keystore.set(mine, secretOf("a"));
    await secretTool(["store", "--label=t", "service", "airlock", "account", viaTool], "b");
    await secretTool(["store", "--label=t", "service", "not-airlock", "account", other], "c");
    const names = keystore.list();
    assert.ok(names.includes(mine) && names.includes(viaTool));
    assert.ok(!names.includes(other));
    assert.deepEqual(names, [...names].sort());
    keystore.remove(mine);
    keystore.remove(viaTool);
    await secretTool(["clear", "service", "not-airlock", "account", other]);
  },
});

Deno.test({
  name: "SecretServiceKeystore get() returns null for a missing item in an unlocked keyring",
  ignore: NEEDS_KEYRING || notLinux,
  fn() {
    assert.deepEqual(keystore.get(uniqueName("missing")), null);
  },
});

Deno.test({
  name: "SecretServiceKeystore status() reports an unlocked default collection",
  ignore: NEEDS_KEYRING || notLinux,
  fn() {
    const status = keystore.status();
    assert.deepEqual(status.backend, "secret-service");
    assert.ok(status.ok, status.detail);
  },
});

Deno.test({
  name: "SecretServiceKeystore refuses invalid account names before any D-Bus call",
  ignore: notLinux,
  fn() {
    for (const bad of ["", "has space", "a/b", "x".repeat(129), "név"]) {
      assert.throws(
        () => keystore.get(bad),
        (e) => e instanceof KeystoreError && /the name is not valid/.test(e.message),
      );
    }
  },
});
