/**
 * The keychain queries airlock makes, as plain data: which `kSec…` keys each operation
 * sets to which values. Kept apart from the CoreFoundation calls so the queries can be
 * checked on any OS; `keychain.ts` turns them into CFDictionaries.
 *
 * @module
 */

import type { SecConstantName } from "../../../ffi/security_framework.ts";
import { KEYSTORE_SERVICE } from "../types.ts";

/** A dictionary value: a `kSec…` constant, a string, `kCFBooleanTrue`, or the secret's CFData. */
export type QueryValue =
  | { kind: "constant"; name: SecConstantName }
  | { kind: "string"; text: string }
  | { kind: "true" }
  | { kind: "secret" };

/** One keychain dictionary as key/value pairs. */
export type KeychainQuery = Array<[SecConstantName, QueryValue]>;

const constant = (name: SecConstantName): QueryValue => ({ kind: "constant", name });
const string = (text: string): QueryValue => ({ kind: "string", text });

/**
 * The query that identifies `account`'s generic password under service `airlock`, the
 * same item `security add-generic-password -s airlock -a ACCOUNT` creates.
 *
 * @param account The account name.
 * @returns Class, service and account.
 * @example
 * ```ts
 * import { itemQuery } from "./keychain_query.ts";
 * console.assert(itemQuery("openai").length === 3);
 * ```
 */
export function itemQuery(account: string): KeychainQuery {
  return [
    ["kSecClass", constant("kSecClassGenericPassword")],
    ["kSecAttrService", string(KEYSTORE_SERVICE)],
    ["kSecAttrAccount", string(account)],
  ];
}

/**
 * The attributes of a new item: identity, a label and the secret data.
 *
 * @param account The account name.
 * @returns The `SecItemAdd` dictionary.
 */
export function addQuery(account: string): KeychainQuery {
  return [
    ...itemQuery(account),
    ["kSecAttrLabel", string(`airlock: ${account}`)],
    ["kSecValueData", { kind: "secret" }],
  ];
}

/**
 * The attributes `SecItemUpdate` changes on an existing item: only the data.
 *
 * @returns The update dictionary.
 */
export function updateAttributes(): KeychainQuery {
  return [["kSecValueData", { kind: "secret" }]];
}

/**
 * The query reading one item's data.
 *
 * @param account The account name.
 * @returns The `SecItemCopyMatching` dictionary (returns a CFData).
 */
export function readQuery(account: string): KeychainQuery {
  return [
    ...itemQuery(account),
    ["kSecReturnData", { kind: "true" }],
    ["kSecMatchLimit", constant("kSecMatchLimitOne")],
  ];
}

/**
 * The query listing every airlock item's attributes (never data).
 *
 * @returns The `SecItemCopyMatching` dictionary (returns a CFArray of CFDictionary).
 */
export function listQuery(): KeychainQuery {
  return [
    ["kSecClass", constant("kSecClassGenericPassword")],
    ["kSecAttrService", string(KEYSTORE_SERVICE)],
    ["kSecReturnAttributes", { kind: "true" }],
    ["kSecMatchLimit", constant("kSecMatchLimitAll")],
  ];
}
