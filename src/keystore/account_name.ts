/**
 * Which account names a keystore item may have: `[A-Za-z0-9._-]{1,128}`, so names are
 * safe in messages, attributes and command lines.
 *
 * @module
 */

import { KeystoreError } from "../errors.ts";

const ACCOUNT_NAME = /^[A-Za-z0-9._-]{1,128}$/;

/** The rule, for hints. */
export const ACCOUNT_NAME_RULE = "1 to 128 characters among A-Z a-z 0-9 . _ -";

/**
 * Whether `name` is a valid account name.
 *
 * @param name The candidate.
 * @returns True when it matches `[A-Za-z0-9._-]{1,128}`.
 * @example
 * ```ts
 * import { isAccountName } from "./account_name.ts";
 * console.assert(isAccountName("openai"));
 * console.assert(!isAccountName("has space"));
 * ```
 */
export function isAccountName(name: string): boolean {
  return ACCOUNT_NAME.test(name);
}

/**
 * Throws unless `name` is a valid account name.
 *
 * @param name The candidate.
 * @param action What was being done, e.g. `read credential`.
 * @throws {KeystoreError} When the name is invalid.
 * @example
 * ```ts
 * import { assertAccountName } from "./account_name.ts";
 * assertAccountName("anthropic.work", "read credential");
 * ```
 */
export function assertAccountName(name: string, action: string): void {
  if (isAccountName(name)) return;
  throw new KeystoreError(
    `Cannot ${action} ${JSON.stringify(name.slice(0, 140))}: the name is not valid`,
    { hint: `Use ${ACCOUNT_NAME_RULE}` },
  );
}
