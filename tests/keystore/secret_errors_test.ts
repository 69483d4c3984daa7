import assert from "node:assert/strict";
import { GLibError } from "../../src/keystore/linux/glib.ts";
import {
  classifyGLibError,
  keyringError,
  type KeyringFailure,
} from "../../src/keystore/linux/secret_errors.ts";
import { KeystoreError } from "../../src/errors.ts";

const cases: Array<[string, GLibError, KeyringFailure]> = [
  [
    "a locked item",
    new GLibError("secret-error", 2, "Cannot create an item in a locked collection"),
    "locked",
  ],
  ["no owner of the name", new GLibError("g-dbus-error-quark", 2, "ServiceUnknown"), "no-provider"],
  ["a name without owner", new GLibError("g-dbus-error-quark", 3, "NameHasNoOwner"), "no-provider"],
  [
    "no socket",
    new GLibError("g-io-error-quark", 1, "Could not connect: No such file or directory"),
    "no-bus",
  ],
  [
    "no address and no X11",
    new GLibError("g-io-error-quark", 0, "Cannot autolaunch D-Bus without X11 $DISPLAY"),
    "no-bus",
  ],
  [
    "gnome-keyring's missing login collection",
    new GLibError(
      "g-dbus-error-quark",
      19,
      "Object does not exist at path “/org/freedesktop/secrets/collection/login”",
    ),
    "no-collection",
  ],
  [
    "libsecret's missing object",
    new GLibError("secret-error", 3, "No such object"),
    "no-collection",
  ],
  [
    "an unknown method elsewhere",
    new GLibError("g-dbus-error-quark", 19, "No such method “Foo”"),
    "other",
  ],
  ["a timeout", new GLibError("g-io-error-quark", 24, "Timeout was reached"), "other"],
  ["a protocol error", new GLibError("secret-error", 1, "Received invalid secret"), "other"],
];

for (const [what, error, expected] of cases) {
  Deno.test(`classifyGLibError() maps ${what} to ${expected}`, () => {
    assert.equal(classifyGLibError(error), expected);
  });
}

Deno.test("keyringError() messages follow 'Cannot <action>: <state>' with a hint", () => {
  const action = 'read credential "openai" from the keyring';
  for (const failure of ["no-bus", "no-provider", "no-collection", "locked", "other"] as const) {
    const error = keyringError(action, failure, new GLibError("x", 0, "detail"));
    assert.ok(error instanceof KeystoreError);
    assert.equal(error.exitCode, 125);
    assert.match(error.message, /^Cannot read credential "openai" from the keyring: [a-z]/);
    assert.ok(!error.message.includes("\n"));
    assert.ok(error.hint && error.hint.length > 0);
  }
});

Deno.test("keyringError() tells headless users which references work without a keyring", () => {
  for (const failure of ["no-bus", "no-provider"] as const) {
    assert.match(keyringError("x", failure).hint ?? "", /env:VAR, file:PATH and cmd:COMMAND/);
  }
  assert.match(keyringError("x", "no-bus").hint ?? "", /dbus-run-session/);
});
