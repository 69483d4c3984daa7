/**
 * The Linux keystore: generic items in the Secret Service (gnome-keyring, KeePassXC…)
 * through libsecret, with attributes `service=airlock` and `account=NAME`, so items are
 * shared with `secret-tool store|lookup service airlock account NAME`.
 *
 * A lookup of an item in a locked collection returns nothing, exactly like a missing
 * item; when a lookup finds nothing, the backend probes whether a matching item or the
 * default collection is locked and reports that instead of "not found".
 *
 * Requires `--allow-ffi` and a D-Bus session bus (`DBUS_SESSION_BUS_ADDRESS`).
 *
 * @module
 */

import { KeystoreError } from "../../errors.ts";
import { SecretBytes } from "../../credentials/secret_bytes.ts";
import { assertAccountName } from "../account_name.ts";
import { type Keystore, KEYSTORE_SERVICE, type KeystoreStatus } from "../types.ts";
import { cString, glibSymbols, StringTable, tableLookup, withGError } from "./glib.ts";
import { keyringError, NO_COLLECTION_HINT, secretCall } from "./secret_errors.ts";
import {
  airlockSchema,
  anyLocked,
  defaultCollectionLocked,
  libsecret,
  searchItems,
} from "./secret_service_calls.ts";

export { SCHEMA_NAME } from "./secret_service_calls.ts";

/**
 * {@linkcode Keystore} on the freedesktop Secret Service.
 *
 * @example Store, read back and remove (needs a session bus with an unlocked keyring)
 * ```ts ignore
 * import { SecretServiceKeystore } from "./secret_service.ts";
 * import { SecretBytes } from "../../credentials/secret_bytes.ts";
 * const keystore = new SecretServiceKeystore();
 * keystore.set("demo", new SecretBytes(new TextEncoder().encode("value")));
 * using secret = keystore.get("demo");
 * keystore.remove("demo");
 * ```
 */
export class SecretServiceKeystore implements Keystore {
  /** Backend name for messages. */
  readonly name = "secret-service";

  /**
   * Stores or overwrites `account`'s secret in the default collection.
   *
   * @param account The account name.
   * @param secret The value; still owned (and wiped) by the caller.
   * @throws {KeystoreError} When the keyring is unreachable, locked or refuses the item.
   */
  set(account: string, secret: SecretBytes): void {
    assertAccountName(account, "store credential");
    const action = `store credential "${account}" in the keyring`;
    const s = libsecret(action);
    const attributes = itemAttributes(account);
    const value = secret.use((bytes) =>
      s.secret_value_new(bytes, BigInt(bytes.length), cString("text/plain"))
    );
    try {
      const stored = secretCall(
        action,
        () =>
          withGError((slot) =>
            s.secret_password_storev_binary_sync(
              airlockSchema(s),
              attributes.pointer,
              null,
              cString(`airlock: ${account}`),
              value,
              null,
              slot,
            )
          ),
      );
      if (!stored) throw this.#lockedOr(action, "the Secret Service refused the item");
    } finally {
      s.secret_value_unref(value);
      attributes.free();
    }
  }

  /**
   * Reads `account`'s secret.
   *
   * @param account The account name.
   * @returns The secret (the caller wipes it), or null when there is no such item.
   * @throws {KeystoreError} When the keyring is unreachable or the item's collection is locked.
   */
  get(account: string): SecretBytes | null {
    assertAccountName(account, "read credential");
    const action = `read credential "${account}" from the keyring`;
    const s = libsecret(action);
    const attributes = itemAttributes(account);
    try {
      const value = secretCall(
        action,
        () =>
          withGError((slot) =>
            s.secret_password_lookupv_binary_sync(
              airlockSchema(s),
              attributes.pointer,
              null,
              slot,
            )
          ),
      );
      if (value === null) {
        if (anyLocked(action, attributes)) throw keyringError(action, "locked");
        return null;
      }
      try {
        const length = new BigUint64Array(1);
        const data = s.secret_value_get(value, length);
        const out = new Uint8Array(Number(length[0]));
        if (data !== null && out.length > 0) Deno.UnsafePointerView.copyInto(data, out);
        return new SecretBytes(out);
      } finally {
        s.secret_value_unref(value); // libsecret wipes the value's secure memory
      }
    } finally {
      attributes.free();
    }
  }

  /**
   * Removes `account`'s item.
   *
   * @param account The account name.
   * @returns Whether an item was removed.
   * @throws {KeystoreError} When the keyring is unreachable or the item's collection is locked.
   */
  remove(account: string): boolean {
    assertAccountName(account, "remove credential");
    const action = `remove credential "${account}" from the keyring`;
    const s = libsecret(action);
    const attributes = itemAttributes(account);
    try {
      const removed = secretCall(
        action,
        () =>
          withGError((slot) =>
            s.secret_password_clearv_sync(airlockSchema(s), attributes.pointer, null, slot)
          ),
      );
      if (!removed) { if (anyLocked(action, attributes)) throw keyringError(action, "locked"); }
      return removed !== 0;
    } finally {
      attributes.free();
    }
  }

  /**
   * Lists the account names stored under service `airlock`, locked items included.
   *
   * @returns Sorted, distinct account names.
   * @throws {KeystoreError} When the keyring is unreachable.
   */
  list(): string[] {
    const action = "list credentials in the keyring";
    const s = libsecret(action);
    const attributes = new StringTable([["service", KEYSTORE_SERVICE]]);
    const names = new Set<string>();
    try {
      searchItems(action, attributes, (item) => {
        const table = s.secret_item_get_attributes(item);
        if (table === null) return;
        const account = tableLookup(table, "account");
        if (account !== undefined) names.add(account);
        glibSymbols().g_hash_table_unref(table); // a new reference
      });
    } finally {
      attributes.free();
    }
    return [...names].sort();
  }

  /**
   * Probes the Secret Service and its default collection. Never throws.
   *
   * @returns Whether items can be read and written, with a one-line detail.
   */
  status(): KeystoreStatus {
    const action = "reach the keyring";
    try {
      const s = libsecret(action);
      const locked = defaultCollectionLocked(action, s);
      if (locked === undefined) {
        return {
          backend: this.name,
          ok: false,
          detail:
            `Secret Service reachable, but it has no default collection (${NO_COLLECTION_HINT})`,
        };
      }
      return locked
        ? {
          backend: this.name,
          ok: false,
          detail: "Secret Service reachable, but the default collection is locked",
        }
        : {
          backend: this.name,
          ok: true,
          detail: "Secret Service reachable, default collection unlocked",
        };
    } catch (error) {
      const detail = error instanceof KeystoreError
        ? `${error.message}${error.hint ? ` (${error.hint})` : ""}`
        : String(error);
      return { backend: this.name, ok: false, detail };
    }
  }

  #lockedOr(action: string, state: string): KeystoreError {
    if (defaultCollectionLocked(action, libsecret(action)) === true) {
      return keyringError(action, "locked");
    }
    return new KeystoreError(`Cannot ${action}: ${state}`, {
      hint: "Run `airlock doctor` to check the keyring",
    });
  }
}

/** The attributes that identify `account`'s item. */
function itemAttributes(account: string): StringTable {
  return new StringTable([["service", KEYSTORE_SERVICE], ["account", account]]);
}
