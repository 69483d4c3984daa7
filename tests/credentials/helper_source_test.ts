import assert from "node:assert/strict";
import { runCredentialHelper } from "../../src/credentials/helper_source.ts";
import { KeystoreError } from "../../src/errors.ts";

async function text(argv: [string, ...string[]], timeoutMs?: number): Promise<string> {
  using secret = await runCredentialHelper(argv, timeoutMs === undefined ? {} : { timeoutMs });
  return new TextDecoder().decode(secret.bytes().slice());
}

async function refused(argv: [string, ...string[]], state: RegExp, timeoutMs?: number) {
  await assert.rejects(
    runCredentialHelper(argv, { label: "cmd:test", ...(timeoutMs ? { timeoutMs } : {}) }),
    (e) => {
      assert.ok(e instanceof KeystoreError);
      assert.ok(e.message.startsWith(`Cannot resolve credential "cmd:test": `), e.message);
      assert.match(e.message, state);
      assert.ok(e.hint);
      return true;
    },
  );
}

Deno.test("runCredentialHelper() returns stdout minus one trailing newline", async () => {
  assert.equal(await text(["printf", "sk-helper\\n"]), "sk-helper");
  assert.equal(await text(["printf", "sk-helper\\n\\n"]), "sk-helper\n");
  assert.equal(await text(["printf", "no-newline"]), "no-newline");
});

Deno.test("runCredentialHelper() runs without a shell: no expansion, no globbing", async () => {
  assert.equal(await text(["echo", "$HOME", "*", "a;b"]), "$HOME * a;b");
});

Deno.test("runCredentialHelper() collects output larger than one pipe read", async () => {
  const out = await text(["head", "-c", "200000", "/dev/zero"]);
  assert.equal(out.length, 200000);
});

Deno.test("runCredentialHelper() names the program and status of a failing helper, not its output", async () => {
  await assert.rejects(
    runCredentialHelper(["sh", "-c", "printf sk-leaked-output; exit 3"], { label: "cmd:sh …" }),
    (e) => {
      assert.ok(e instanceof KeystoreError);
      assert.equal(
        e.message,
        'Cannot resolve credential "cmd:sh …": the helper "sh" exited with status 3',
      );
      assert.ok(!`${e.message}${e.hint}${e.cause}`.includes("leaked"));
      return true;
    },
  );
});

Deno.test("runCredentialHelper() names a helper that is not installed", async () => {
  await refused(
    ["airlock-no-such-helper-xyz"],
    /the helper "airlock-no-such-helper-xyz" was not found$/,
  );
});

Deno.test("runCredentialHelper() refuses a file that is not executable", async () => {
  const path = Deno.makeTempFileSync();
  Deno.chmodSync(path, 0o600);
  await refused([path], /cannot be executed$/);
  Deno.removeSync(path);
});

Deno.test("runCredentialHelper() kills a helper that outlives the timeout", async () => {
  await refused(["sleep", "30"], /the helper "sleep" did not finish within 200 ms$/, 200);
});

Deno.test("runCredentialHelper() times out a helper whose child keeps stdout open", async () => {
  await refused(["sh", "-c", "sleep 2 & sleep 30"], /did not finish within 300 ms$/, 300);
});

Deno.test("runCredentialHelper() refuses empty output", async () => {
  await refused(["true"], /the helper "true" printed nothing$/);
  await refused(["echo"], /printed nothing$/);
});

Deno.test("runCredentialHelper() reports a helper killed by a signal", async () => {
  await refused(["sh", "-c", "kill -TERM $$"], /the helper "sh" was killed by SIGTERM$/);
});

Deno.test("runCredentialHelper() gives the helper an empty stdin", async () => {
  assert.equal(await text(["sh", "-c", "cat; printf done"]), "done");
});
