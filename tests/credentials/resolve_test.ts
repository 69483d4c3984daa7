import assert from "node:assert/strict";
import { resolveCredential } from "../../src/credentials/resolve.ts";
import { SecretBytes } from "../../src/credentials/secret_bytes.ts";
import { getKeystore } from "../../src/keystore/mod.ts";
import type { Keystore } from "../../src/keystore/types.ts";
import { KeystoreError } from "../../src/errors.ts";
import { HAS_KEYRING, uniqueName } from "../keystore/_helpers.ts";

const decode = (secret: SecretBytes) => new TextDecoder().decode(secret.bytes().slice());

async function refused(ref: string, message: RegExp, options = {}) {
  await assert.rejects(resolveCredential(ref, options), (e) => {
    assert.ok(e instanceof KeystoreError, String(e));
    assert.match(e.message, message);
    return true;
  });
}

Deno.test("resolveCredential() reads env: from the injected environment", async () => {
  using secret = await resolveCredential("env:API_KEY", {
    getEnv: (name) => name === "API_KEY" ? "sk-env" : undefined,
  });
  assert.equal(decode(secret), "sk-env");
});

Deno.test("resolveCredential() reads env: from the process environment by default", async () => {
  Deno.env.set("AIRLOCK_RESOLVE_TEST", "sk-process");
  using secret = await resolveCredential("env:AIRLOCK_RESOLVE_TEST");
  assert.equal(decode(secret), "sk-process");
  Deno.env.delete("AIRLOCK_RESOLVE_TEST");
});

Deno.test("resolveCredential() names an unset or empty variable", async () => {
  await refused("env:NOPE", /^Cannot resolve credential "env:NOPE": the variable is not set$/, {
    getEnv: () => undefined,
  });
  await refused("env:EMPTY", /^Cannot resolve credential "env:EMPTY": the variable is empty$/, {
    getEnv: () => "",
  });
});

Deno.test("resolveCredential() resolves file: and cmd: references", async () => {
  const path = Deno.makeTempFileSync();
  Deno.writeTextFileSync(path, "sk-file\n");
  Deno.chmodSync(path, 0o600);
  using fromFile = await resolveCredential(`file:${path}`);
  assert.equal(decode(fromFile), "sk-file");
  using fromCmd = await resolveCredential(`cmd:cat ${path}`);
  assert.equal(decode(fromCmd), "sk-file");
  Deno.removeSync(path);
});

Deno.test("resolveCredential() passes the helper timeout on", async () => {
  await refused("cmd:sleep 30", /did not finish within 150 ms$/, { helperTimeoutMs: 150 });
});

Deno.test("resolveCredential() asks the given keystore for keyring: and bare names", async () => {
  const asked: string[] = [];
  const keystore: Keystore = {
    name: "test",
    get(account) {
      asked.push(account);
      return account === "known" ? new SecretBytes(new TextEncoder().encode("sk-kept")) : null;
    },
    set() {},
    remove: () => false,
    list: () => [],
    status: () => ({ backend: "test", ok: true, detail: "" }),
  };
  using secret = await resolveCredential("known", { keystore });
  assert.equal(decode(secret), "sk-kept");
  await refused(
    "keyring:missing",
    /^Cannot resolve credential "keyring:missing": no such item in the keyring$/,
    { keystore },
  );
  assert.deepEqual(asked, ["known", "missing"]);
});

Deno.test({
  name: "resolveCredential() reads keyring: items from the real Secret Service",
  ignore: !HAS_KEYRING || Deno.build.os !== "linux",
  async fn() {
    const name = uniqueName("resolve");
    getKeystore().set(name, new SecretBytes(new TextEncoder().encode("sk-keyring")));
    using secret = await resolveCredential(`keyring:${name}`);
    assert.equal(decode(secret), "sk-keyring");
    getKeystore().remove(name);
  },
});

Deno.test("resolveCredential() refuses an unknown scheme before doing anything", async () => {
  await refused("vault:x", /unknown scheme "vault"$/);
});
