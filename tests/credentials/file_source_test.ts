import assert from "node:assert/strict";
import { readSecretFile } from "../../src/credentials/file_source.ts";
import { KeystoreError } from "../../src/errors.ts";

const isRoot = Deno.uid() === 0;

function secretFile(content: string | Uint8Array, mode = 0o600): string {
  const path = Deno.makeTempFileSync({ prefix: "airlock-secret-" });
  if (typeof content === "string") Deno.writeTextFileSync(path, content);
  else Deno.writeFileSync(path, content);
  Deno.chmodSync(path, mode);
  return path;
}

function read(path: string): string {
  using secret = readSecretFile(path, `file:${path}`);
  return new TextDecoder().decode(secret.bytes().slice());
}

function refused(path: string, state: RegExp, hint?: RegExp): void {
  assert.throws(() => readSecretFile(path, `file:${path}`), (e) => {
    assert.ok(e instanceof KeystoreError);
    assert.ok(e.message.startsWith(`Cannot resolve credential "file:${path}": `), e.message);
    assert.match(e.message, state);
    if (hint) assert.match(e.hint ?? "", hint);
    return true;
  });
}

Deno.test("readSecretFile() reads a mode-600 file and drops one trailing newline", () => {
  const path = secretFile("sk-file-value\n");
  assert.equal(read(path), "sk-file-value");
  Deno.removeSync(path);
});

Deno.test("readSecretFile() keeps all but one trailing newline, and binary bytes", () => {
  const path = secretFile(new Uint8Array([0, 255, 10, 10]));
  using secret = readSecretFile(path, "file:x");
  assert.deepEqual(secret.bytes(), new Uint8Array([0, 255, 10]));
  Deno.removeSync(path);
});

Deno.test("readSecretFile() accepts modes 400 and 700 (no group/other access)", () => {
  for (const mode of [0o400, 0o700]) {
    const path = secretFile("v", mode);
    assert.equal(read(path), "v");
    Deno.removeSync(path);
  }
});

for (const mode of [0o644, 0o640, 0o604, 0o620, 0o602, 0o666]) {
  Deno.test(`readSecretFile() refuses mode ${mode.toString(8)}, naming the mode`, () => {
    const path = secretFile("sk-should-not-be-read", mode);
    refused(
      path,
      new RegExp(`readable or writable by group or others: current mode is 0${mode.toString(8)}$`),
      /chmod 600/,
    );
    Deno.removeSync(path);
  });
}

Deno.test({
  name: "readSecretFile() refuses a file owned by another user",
  ignore: !isRoot, // only root can give a file away
  fn() {
    const path = secretFile("v");
    Deno.chownSync(path, 65534, 65534);
    refused(path, /owned by uid 65534, not by the current user \(uid 0\)$/);
    Deno.removeSync(path);
  },
});

Deno.test("readSecretFile() names a missing file", () => {
  refused("/nonexistent/airlock/key", /the file does not exist$/);
});

Deno.test("readSecretFile() refuses a directory", () => {
  const dir = Deno.makeTempDirSync();
  Deno.chmodSync(dir, 0o700);
  refused(dir, /it is not a regular file$/);
  Deno.removeSync(dir);
});

Deno.test("readSecretFile() refuses an empty file, and one holding only a newline", () => {
  for (const content of ["", "\n"]) {
    const path = secretFile(content);
    refused(path, /the file is empty$/);
    Deno.removeSync(path);
  }
});

Deno.test("readSecretFile() checks the target of a symbolic link", () => {
  const target = secretFile("via-link", 0o644);
  const link = `${target}.link`;
  Deno.symlinkSync(target, link);
  refused(link, /current mode is 0644$/);
  Deno.chmodSync(target, 0o600);
  assert.equal(read(link), "via-link");
  Deno.removeSync(link);
  Deno.removeSync(target);
});

Deno.test("readSecretFile() expands ~/ to $HOME", () => {
  const home = Deno.env.get("HOME");
  assert.ok(home);
  const name = `.airlock-test-${crypto.randomUUID()}`;
  const path = `${home}/${name}`;
  Deno.writeTextFileSync(path, "from-home\n", { mode: 0o600 });
  Deno.chmodSync(path, 0o600);
  try {
    using secret = readSecretFile(`~/${name}`, "file:~");
    assert.equal(secret.length, "from-home".length);
  } finally {
    Deno.removeSync(path);
  }
});

Deno.test("readSecretFile() errors never contain the file's content", () => {
  const path = secretFile("sk-content-must-stay-private\n", 0o644);
  try {
    readSecretFile(path, "file:x");
    assert.fail("expected a refusal");
  } catch (e) {
    assert.ok(e instanceof KeystoreError);
    assert.ok(!`${e.message} ${e.hint}`.includes("content-must-stay"));
  }
  Deno.removeSync(path);
});
