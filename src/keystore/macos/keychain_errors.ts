/**
 * The one place that turns Security.framework `OSStatus` codes into
 * {@linkcode KeystoreError}s. Messages name the action and the account, never a value.
 *
 * @module
 */

import { KeystoreError } from "../../errors.ts";
import { OS_STATUS } from "../../../ffi/security_framework.ts";

const HEADLESS_HINT = "env:VAR, file:PATH and cmd:COMMAND credential references need no keychain";

/**
 * Builds the error for a failed keychain call.
 *
 * @param action What was being done, e.g. `read credential "openai" from the keychain`.
 * @param status The `OSStatus` the call returned (not `errSecSuccess`).
 * @returns The error to throw.
 * @example
 * ```ts
 * import { keychainError } from "./keychain_errors.ts";
 * const error = keychainError('read credential "x" from the keychain', -25308);
 * console.assert(error.message.endsWith("the keychain is locked and cannot prompt"));
 * ```
 */
export function keychainError(action: string, status: number): KeystoreError {
  const make = (state: string, hint: string) =>
    new KeystoreError(`Cannot ${action}: ${state}`, {
      hint,
      cause: new Error(`OSStatus ${status}`),
    });
  switch (status) {
    case OS_STATUS.errSecInteractionNotAllowed:
      return make(
        "the keychain is locked and cannot prompt",
        "Unlock it (`security unlock-keychain`) or run from a logged-in GUI session; " +
          HEADLESS_HINT,
      );
    case OS_STATUS.errSecAuthFailed:
      return make(
        "the keychain refused access: authorization failed",
        "Unlock the keychain and retry",
      );
    case OS_STATUS.errSecUserCanceled:
      return make("the keychain prompt was cancelled", "Retry and allow access in the prompt");
    case OS_STATUS.errSecNoSuchKeychain:
    case OS_STATUS.errSecNotAvailable:
      return make(
        "no keychain is available",
        "Create or select a default keychain; " + HEADLESS_HINT,
      );
    case OS_STATUS.errSecItemNotFound:
      return make("no such item in the keychain", "List items with `airlock secret list`");
    case OS_STATUS.errSecDuplicateItem:
      return make("the item already exists", "Remove it first with `airlock secret rm`");
    default:
      return make(`the keychain call failed with OSStatus ${status}`, "Run `airlock doctor`");
  }
}
