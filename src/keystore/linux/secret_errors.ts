/**
 * The one place that turns libsecret and GLib failures into {@linkcode KeystoreError}s:
 * no session bus, no Secret Service provider on the bus, a locked keyring, or another
 * D-Bus failure. Messages name the action and the account, never a value.
 *
 * @module
 */

import { KeystoreError } from "../../errors.ts";
import { GLibError } from "./glib.ts";
import {
  SECRET_ERROR_DOMAIN,
  SECRET_ERROR_IS_LOCKED,
  SECRET_ERROR_NO_SUCH_OBJECT,
} from "../../../ffi/libsecret.ts";

/** Hint shared by every "cannot reach the keyring" error. */
export const HEADLESS_HINT =
  "env:VAR, file:PATH and cmd:COMMAND credential references work without a keyring";

/** How to get a default collection. */
export const NO_COLLECTION_HINT =
  "Create a keyring and make it the default (log in to a desktop session once, or use Seahorse)";

const G_IO_ERROR_DOMAIN = "g-io-error-quark";
const G_DBUS_ERROR_DOMAIN = "g-dbus-error-quark";
/** `GDBusError`: the name is not owned and cannot be activated. */
const G_DBUS_ERROR_SERVICE_UNKNOWN = 2;
/** `GDBusError`: the name has no owner. */
const G_DBUS_ERROR_NAME_HAS_NO_OWNER = 3;
/** `GDBusError`: gnome-keyring's answer for a collection path that does not exist. */
const G_DBUS_ERROR_UNKNOWN_METHOD = 19;
/** `GDBusError`: no object at the path. */
const G_DBUS_ERROR_UNKNOWN_OBJECT = 41;

/** Why the keyring could not be used, as a caller may branch on it. */
export type KeyringFailure = "no-bus" | "no-provider" | "no-collection" | "locked" | "other";

/**
 * Classifies a GLib error raised by a libsecret call.
 *
 * @param error What the call threw.
 * @returns The failure kind.
 */
export function classifyGLibError(error: GLibError): KeyringFailure {
  if (error.domain === SECRET_ERROR_DOMAIN && error.code === SECRET_ERROR_IS_LOCKED) {
    return "locked";
  }
  if (
    error.domain === G_DBUS_ERROR_DOMAIN &&
    (error.code === G_DBUS_ERROR_SERVICE_UNKNOWN || error.code === G_DBUS_ERROR_NAME_HAS_NO_OWNER)
  ) return "no-provider";
  if (
    (error.domain === SECRET_ERROR_DOMAIN && error.code === SECRET_ERROR_NO_SUCH_OBJECT) ||
    (error.domain === G_DBUS_ERROR_DOMAIN &&
      (error.code === G_DBUS_ERROR_UNKNOWN_METHOD || error.code === G_DBUS_ERROR_UNKNOWN_OBJECT) &&
      /\/org\/freedesktop\/secrets\/(collection|aliases)\//.test(error.message))
  ) return "no-collection";
  if (
    error.domain === G_IO_ERROR_DOMAIN &&
    /D-Bus|DBUS_SESSION_BUS_ADDRESS|Could not connect|session bus/i.test(error.message)
  ) return "no-bus";
  return "other";
}

/**
 * Builds the error for a failed keyring action.
 *
 * @param action What was being done, e.g. `read credential "openai" from the keyring`.
 * @param failure The failure kind.
 * @param cause The underlying error (a GLib error never carries the secret).
 * @returns The error to throw.
 */
export function keyringError(
  action: string,
  failure: KeyringFailure,
  cause?: unknown,
): KeystoreError {
  switch (failure) {
    case "no-bus":
      return new KeystoreError(`Cannot ${action}: no D-Bus session bus is reachable`, {
        hint: "Run inside a desktop session or `dbus-run-session -- airlock …` with " +
          "gnome-keyring-daemon started; " + HEADLESS_HINT,
        cause,
      });
    case "no-provider":
      return new KeystoreError(
        `Cannot ${action}: no Secret Service provider is running on the session bus`,
        {
          hint: "Start one (`gnome-keyring-daemon --start --components=secrets`, or KeePassXC " +
            "with Secret Service enabled); " + HEADLESS_HINT,
          cause,
        },
      );
    case "no-collection":
      return new KeystoreError(`Cannot ${action}: the keyring has no default collection`, {
        hint: NO_COLLECTION_HINT,
        cause,
      });
    case "locked":
      return new KeystoreError(`Cannot ${action}: the keyring collection is locked`, {
        hint: "Unlock the keyring (log in to the desktop session, or open Seahorse) and retry",
        cause,
      });
    case "other": {
      const detail = cause instanceof Error ? `: ${cause.message.split("\n")[0]}` : "";
      return new KeystoreError(`Cannot ${action}: the Secret Service call failed${detail}`, {
        hint: "Run `airlock doctor` to check the keyring",
        cause,
      });
    }
  }
}

/**
 * Runs a libsecret call and rethrows any {@linkcode GLibError} as a classified
 * {@linkcode KeystoreError}; other errors (already typed) pass through.
 *
 * @param action What was being done, for the message.
 * @param fn The call.
 * @returns What `fn` returned.
 * @throws {KeystoreError} When the call failed.
 */
export function secretCall<T>(action: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof GLibError) throw keyringError(action, classifyGLibError(error), error);
    throw error;
  }
}
