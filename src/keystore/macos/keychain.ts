/**
 * The macOS keystore: generic passwords in the user's default keychain through
 * Security.framework, service `airlock`, account NAME, so items are shared with
 * `security add-generic-password -s airlock -a NAME -w` and
 * `security find-generic-password -s airlock -a NAME -w`.
 *
 * Type-checked on Linux; exercised only on macOS (see docs/credentials.md).
 * Requires `--allow-ffi`.
 *
 * @module
 */

import { KeystoreError } from "../../errors.ts";
import { SecretBytes } from "../../credentials/secret_bytes.ts";
import { OS_STATUS } from "../../../ffi/security_framework.ts";
import { assertAccountName } from "../account_name.ts";
import type { Keystore, KeystoreStatus } from "../types.ts";
import {
  CfDictionary,
  cfSymbols,
  readCfString,
  secConstant,
  securitySymbols,
  takeCfData,
} from "./cf.ts";
import { keychainError } from "./keychain_errors.ts";
import {
  addQuery,
  itemQuery,
  type KeychainQuery,
  listQuery,
  readQuery,
  updateAttributes,
} from "./keychain_query.ts";

/**
 * {@linkcode Keystore} on the macOS keychain.
 *
 * @example Store and read back (macOS only)
 * ```ts ignore
 * import { KeychainKeystore } from "./keychain.ts";
 * import { SecretBytes } from "../../credentials/secret_bytes.ts";
 * const keystore = new KeychainKeystore();
 * keystore.set("demo", new SecretBytes(new TextEncoder().encode("value")));
 * using secret = keystore.get("demo");
 * ```
 */
export class KeychainKeystore implements Keystore {
  /** Backend name for messages. */
  readonly name = "keychain";

  /**
   * Adds `account`'s item, or updates its data when it exists.
   *
   * @param account The account name.
   * @param secret The value; still owned (and wiped) by the caller.
   * @throws {KeystoreError} When the keychain is locked, unavailable or refuses the item.
   */
  set(account: string, secret: SecretBytes): void {
    assertAccountName(account, "store credential");
    const action = `store credential "${account}" in the keychain`;
    secret.use((bytes) => {
      const status = withDictionary(
        action,
        addQuery(account),
        bytes,
        (dict) => securitySymbols().SecItemAdd(dict, null),
      );
      if (status === OS_STATUS.errSecSuccess) return;
      if (status !== OS_STATUS.errSecDuplicateItem) throw keychainError(action, status);
      const updated = withDictionary(
        action,
        itemQuery(account),
        undefined,
        (query) =>
          withDictionary(
            action,
            updateAttributes(),
            bytes,
            (changes) => securitySymbols().SecItemUpdate(query, changes),
          ),
      );
      if (updated !== OS_STATUS.errSecSuccess) throw keychainError(action, updated);
    });
  }

  /**
   * Reads `account`'s secret.
   *
   * @param account The account name.
   * @returns The secret (the caller wipes it), or null when there is no such item.
   * @throws {KeystoreError} When the keychain is locked or unavailable.
   */
  get(account: string): SecretBytes | null {
    assertAccountName(account, "read credential");
    const action = `read credential "${account}" from the keychain`;
    const result = new BigUint64Array(1);
    const status = withDictionary(
      action,
      readQuery(account),
      undefined,
      (query) => securitySymbols().SecItemCopyMatching(query, result),
    );
    if (status === OS_STATUS.errSecItemNotFound) return null;
    if (status !== OS_STATUS.errSecSuccess) throw keychainError(action, status);
    const data = Deno.UnsafePointer.create(result[0]!);
    if (data === null) return null;
    try {
      return new SecretBytes(takeCfData(data));
    } finally {
      cfSymbols().CFRelease(data);
    }
  }

  /**
   * Deletes `account`'s item.
   *
   * @param account The account name.
   * @returns Whether an item was deleted.
   * @throws {KeystoreError} When the keychain is locked or unavailable.
   */
  remove(account: string): boolean {
    assertAccountName(account, "remove credential");
    const action = `remove credential "${account}" from the keychain`;
    const status = withDictionary(
      action,
      itemQuery(account),
      undefined,
      (query) => securitySymbols().SecItemDelete(query),
    );
    if (status === OS_STATUS.errSecItemNotFound) return false;
    if (status !== OS_STATUS.errSecSuccess) throw keychainError(action, status);
    return true;
  }

  /**
   * Lists account names under service `airlock` (attributes only, no data).
   *
   * @returns Sorted, distinct account names.
   * @throws {KeystoreError} When the keychain is locked or unavailable.
   */
  list(): string[] {
    const action = "list credentials in the keychain";
    const result = new BigUint64Array(1);
    const status = withDictionary(
      action,
      listQuery(),
      undefined,
      (query) => securitySymbols().SecItemCopyMatching(query, result),
    );
    if (status === OS_STATUS.errSecItemNotFound) return [];
    if (status !== OS_STATUS.errSecSuccess) throw keychainError(action, status);
    const array = Deno.UnsafePointer.create(result[0]!);
    if (array === null) return [];
    const s = cfSymbols();
    const names = new Set<string>();
    try {
      const count = Number(s.CFArrayGetCount(array));
      for (let i = 0; i < count; i++) {
        const attributes = s.CFArrayGetValueAtIndex(array, BigInt(i));
        if (attributes === null) continue;
        const account = s.CFDictionaryGetValue(attributes, secConstant("kSecAttrAccount"));
        const name = account === null ? undefined : readCfString(account);
        if (name !== undefined) names.add(name);
      }
    } finally {
      s.CFRelease(array);
    }
    return [...names].sort();
  }

  /**
   * Probes the keychain by listing airlock's items. Never throws.
   *
   * @returns Whether the keychain answered, with a one-line detail.
   */
  status(): KeystoreStatus {
    try {
      const count = this.list().length;
      return {
        backend: this.name,
        ok: true,
        detail: `default keychain reachable, ${count} airlock item(s)`,
      };
    } catch (error) {
      const detail = error instanceof KeystoreError
        ? `${error.message}${error.hint ? ` (${error.hint})` : ""}`
        : String(error);
      return { backend: this.name, ok: false, detail };
    }
  }
}

/** Builds the dictionary, runs `fn`, releases it; a framework that will not load becomes a KeystoreError. */
function withDictionary<T>(
  action: string,
  query: KeychainQuery,
  secret: Uint8Array<ArrayBuffer> | undefined,
  fn: (dict: Deno.PointerObject) => T,
): T {
  let dict: CfDictionary;
  try {
    dict = new CfDictionary(query, secret);
  } catch (cause) {
    throw new KeystoreError(`Cannot ${action}: Security.framework cannot be used`, {
      hint: "The keychain backend works on macOS only",
      cause,
    });
  }
  try {
    return fn(dict.pointer);
  } finally {
    dict.release();
  }
}
