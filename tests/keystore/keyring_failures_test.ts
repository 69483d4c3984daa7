import assert from "node:assert/strict";
import { airlock, airlockInSession, HAS_KEYRING, run } from "./_helpers.ts";

const notLinux = Deno.build.os !== "linux"; // these failures are the Secret Service's
const noBusEnv = { DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/airlock-test-bus" };
const ROOT = new URL("../../", import.meta.url).pathname;

/** keystoreStatus() as JSON, run in a child with the given environment changes. */
async function statusWith(env: Record<string, string>, unset: string[]) {
  const code = `import { keystoreStatus } from "${ROOT}src/keystore/mod.ts";` +
    "console.log(JSON.stringify(await keystoreStatus()));";
  const result = await run(Deno.execPath(), ["eval", code], { env, unset });
  assert.deepEqual(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as { backend: string; ok: boolean; detail: string };
}

Deno.test({
  name: "secret check reports a locked keyring, not a missing item",
  ignore: notLinux || !HAS_KEYRING,
  async fn() {
    const result = await airlockInSession("locked", ["secret", "check", "seeded", "--json"]);
    assert.deepEqual(result.code, 1, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.deepEqual(report.resolved, false);
    assert.match(report.error, /Cannot read credential "seeded" from the keyring: .*locked/);
    assert.ok(!report.error.includes("no such item"));
  },
});

Deno.test({
  name: "secret check of a missing item in a locked keyring also says locked",
  ignore: notLinux || !HAS_KEYRING,
  async fn() {
    const result = await airlockInSession("locked", ["secret", "check", "never-stored"]);
    assert.deepEqual(result.code, 1);
    assert.match(result.stderr, /the keyring collection is locked\n {2}hint: Unlock/);
  },
});

Deno.test({
  name: "secret set and rm on a locked keyring fail with the locked error (exit 125)",
  ignore: notLinux || !HAS_KEYRING,
  async fn() {
    const set = await run("bash", [
      `${ROOT}scripts/keyring_session.sh`,
      "bash",
      "-c",
      `printf new | "${Deno.execPath()}" run -A --no-check ${ROOT}main.ts secret set fresh; ` +
      `"${Deno.execPath()}" run -A --no-check ${ROOT}main.ts secret rm seeded`,
    ], { env: { AIRLOCK_KEYRING_MODE: "locked" } });
    assert.deepEqual(set.code, 125);
    assert.match(set.stderr, /Cannot store credential "fresh" in the keyring: .*locked/);
    assert.match(set.stderr, /Cannot remove credential "seeded" from the keyring: .*locked/);
  },
});

Deno.test({
  name: "secret list still names items of a locked keyring (attributes are not secret)",
  ignore: notLinux || !HAS_KEYRING,
  async fn() {
    const result = await airlockInSession("locked", ["secret", "list", "--json"]);
    assert.deepEqual(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), ["seeded"]);
  },
});

Deno.test({
  name: "keystoreStatus() is not ok when the default collection is locked",
  ignore: notLinux || !HAS_KEYRING,
  async fn() {
    const code = `import { keystoreStatus } from "${ROOT}src/keystore/mod.ts";` +
      "console.log(JSON.stringify(await keystoreStatus()));";
    const result = await run("bash", [
      `${ROOT}scripts/keyring_session.sh`,
      Deno.execPath(),
      "eval",
      code,
    ], { env: { AIRLOCK_KEYRING_MODE: "locked" } });
    const status = JSON.parse(result.stdout);
    assert.deepEqual(status.ok, false);
    assert.match(status.detail, /locked/);
  },
});

Deno.test({
  name: "secret commands name the missing Secret Service provider on a bare bus",
  ignore: notLinux || !HAS_KEYRING,
  async fn() {
    const result = await airlockInSession("none", ["secret", "list"]);
    assert.deepEqual(result.code, 125);
    assert.match(
      result.stderr,
      /Cannot list credentials in the keyring: no Secret Service provider is running on the session bus/,
    );
    assert.match(result.stderr, /hint: .*gnome-keyring-daemon.*env:VAR, file:PATH and cmd:COMMAND/);
  },
});

Deno.test({
  name: "secret set explains a Secret Service that has no default collection",
  ignore: notLinux || !HAS_KEYRING,
  async fn() {
    const set = await run("bash", [
      `${ROOT}scripts/keyring_session.sh`,
      "bash",
      "-c",
      `printf v | "${Deno.execPath()}" run -A --no-check ${ROOT}main.ts secret set fresh`,
    ], { env: { AIRLOCK_KEYRING_MODE: "empty" } });
    assert.equal(set.code, 125);
    assert.match(
      set.stderr,
      /Cannot store credential "fresh" in the keyring: the keyring has no default collection\n {2}hint: Create a keyring/,
    );
    const check = await airlockInSession("empty", ["secret", "check", "fresh", "--json"]);
    assert.match(JSON.parse(check.stdout).error, /no such item in the keyring$/);
  },
});

Deno.test({
  name: "secret commands explain a session bus address that leads nowhere",
  ignore: notLinux,
  async fn() {
    const result = await airlock(["secret", "check", "openai"], {
      env: noBusEnv,
      unset: ["DISPLAY"],
    });
    assert.deepEqual(result.code, 1);
    assert.match(
      result.stderr,
      /Cannot read credential "openai" from the keyring: no D-Bus session bus/,
    );
    assert.match(result.stderr, /hint: .*dbus-run-session.*env:VAR, file:PATH and cmd:COMMAND/);
  },
});

Deno.test({
  name: "secret commands explain a missing session bus (no address, no DISPLAY)",
  ignore: notLinux,
  async fn() {
    const result = await airlock(["secret", "list"], {
      unset: ["DBUS_SESSION_BUS_ADDRESS", "DISPLAY"],
    });
    assert.deepEqual(result.code, 125);
    assert.match(result.stderr, /Cannot list credentials in the keyring: no D-Bus session bus/);
  },
});

Deno.test({
  name: "keystoreStatus() is not ok without a session bus, and says why",
  ignore: notLinux,
  async fn() {
    const status = await statusWith(noBusEnv, ["DISPLAY"]);
    assert.deepEqual(status, {
      backend: "secret-service",
      ok: false,
      detail: status.detail,
    });
    assert.match(status.detail, /no D-Bus session bus is reachable \(Run inside/);
  },
});

Deno.test({
  name: "env: references resolve without any bus",
  ignore: notLinux,
  async fn() {
    const result = await airlock(["secret", "check", "env:AIRLOCK_TEST_HEADLESS"], {
      env: { ...noBusEnv, AIRLOCK_TEST_HEADLESS: "abc" },
      unset: ["DISPLAY"],
    });
    assert.deepEqual(result.code, 0, result.stderr);
    assert.deepEqual(result.stdout, "env:AIRLOCK_TEST_HEADLESS: resolved (3 bytes)\n");
  },
});
