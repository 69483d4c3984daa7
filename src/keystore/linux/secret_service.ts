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
import {
  LIBSECRET,
  type LibsecretLibrary,
  openLibsecret,
  SECRET_COLLECTION_DEFAULT,
  SECRET_COLLECTION_NONE,
  SECRET_SCHEMA_DONT_MATCH_NAME,
  SECRET_SEARCH_ALL,
  SECRET_SERVICE_NONE,
} from "../../../ffi/libsecret.ts";
import {
  cString,
  freeObjectList,
  glibSymbols,
  gobjectSymbols,
  listData,
  StringTable,
  tableLookup,
  withGError,
} from "./glib.ts";
import { keyringError, NO_COLLECTION_HINT, secretCall } from "./secret_errors.ts";
import { pinLibrary } from "./pin_library.ts";

/** The schema name airlock stores items under (ignored when matching). */
export const SCHEMA_NAME = "org.airlock.Credential";

type Symbols = LibsecretLibrary["symbols"];

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
  #lib: LibsecretLibrary | undefined;
  #schema: Deno.PointerObject | undefined;

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
    const s = this.#symbols(action);
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
              this.#schemaPointer(s),
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
    const s = this.#symbols(action);
    const attributes = itemAttributes(account);
    try {
      const value = secretCall(
        action,
        () =>
          withGError((slot) =>
            s.secret_password_lookupv_binary_sync(
              this.#schemaPointer(s),
              attributes.pointer,
              null,
              slot,
            )
          ),
      );
      if (value === null) {
        this.#throwIfLocked(action, attributes);
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
    const s = this.#symbols(action);
    const attributes = itemAttributes(account);
    try {
      const removed = secretCall(
        action,
        () =>
          withGError((slot) =>
            s.secret_password_clearv_sync(this.#schemaPointer(s), attributes.pointer, null, slot)
          ),
      );
      if (!removed) this.#throwIfLocked(action, attributes);
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
    const s = this.#symbols(action);
    const attributes = new StringTable([["service", KEYSTORE_SERVICE]]);
    const names = new Set<string>();
    try {
      this.#searchItems(action, attributes, (item) => {
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
      const s = this.#symbols(action);
      const locked = this.#defaultCollectionLocked(action, s);
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

  #symbols(action: string): Symbols {
    if (this.#lib === undefined) {
      try {
        this.#lib = openLibsecret();
        pinLibrary(LIBSECRET);
      } catch (cause) {
        throw new KeystoreError(`Cannot ${action}: libsecret-1.so.0 cannot be loaded`, {
          hint: "Install libsecret (Debian/Ubuntu: apt-get install libsecret-1-0)",
          cause,
        });
      }
    }
    return this.#lib.symbols;
  }

  #schemaPointer(s: Symbols): Deno.PointerObject {
    if (this.#schema === undefined) {
      // A NULL value is GINT_TO_POINTER(SECRET_SCHEMA_ATTRIBUTE_STRING), which is 0.
      const fields = new StringTable([["service", null], ["account", null]]);
      try {
        const schema = s.secret_schema_newv(
          cString(SCHEMA_NAME),
          SECRET_SCHEMA_DONT_MATCH_NAME,
          fields.pointer,
        );
        if (schema === null) throw new Error("secret_schema_newv returned NULL");
        this.#schema = schema;
      } finally {
        fields.free();
      }
    }
    return this.#schema;
  }

  /** Calls `visit` for each item matching `attributes` (locked ones included). */
  #searchItems(
    action: string,
    attributes: StringTable,
    visit: (item: Deno.PointerObject) => void,
  ): void {
    const s = this.#symbols(action);
    const service = this.#service(action, s);
    try {
      const list = secretCall(action, () =>
        withGError((slot) =>
          s.secret_service_search_sync(
            service,
            this.#schemaPointer(s),
            attributes.pointer,
            SECRET_SEARCH_ALL,
            null,
            slot,
          )
        ));
      try {
        for (const item of listData(list)) visit(item);
      } finally {
        freeObjectList(list);
      }
    } finally {
      gobjectSymbols().g_object_unref(service);
    }
  }

  #service(action: string, s: Symbols): Deno.PointerObject {
    const service = secretCall(
      action,
      () => withGError((slot) => s.secret_service_get_sync(SECRET_SERVICE_NONE, null, slot)),
    );
    if (service === null) throw keyringError(action, "no-provider");
    return service;
  }

  /** Whether the default collection is locked; undefined when there is none. */
  #defaultCollectionLocked(action: string, s: Symbols): boolean | undefined {
    const service = this.#service(action, s);
    try {
      const collection = secretCall(
        action,
        () =>
          withGError((slot) =>
            s.secret_collection_for_alias_sync(
              service,
              cString(SECRET_COLLECTION_DEFAULT),
              SECRET_COLLECTION_NONE,
              null,
              slot,
            )
          ),
      );
      if (collection === null) return undefined;
      const locked = s.secret_collection_get_locked(collection) !== 0;
      gobjectSymbols().g_object_unref(collection);
      return locked;
    } finally {
      gobjectSymbols().g_object_unref(service);
    }
  }

  /**
   * After a lookup or clear found nothing: throws the "locked" error when a matching item
   * or the default collection is locked, so a locked keyring never reads as "not found".
   */
  #throwIfLocked(action: string, attributes: StringTable): void {
    const s = this.#symbols(action);
    let lockedItem = false;
    this.#searchItems(action, attributes, (item) => {
      if (s.secret_item_get_locked(item) !== 0) lockedItem = true;
    });
    if (lockedItem || this.#defaultCollectionLocked(action, s) === true) {
      throw keyringError(action, "locked");
    }
  }

  #lockedOr(action: string, state: string): KeystoreError {
    const s = this.#symbols(action);
    if (this.#defaultCollectionLocked(action, s) === true) return keyringError(action, "locked");
    return new KeystoreError(`Cannot ${action}: ${state}`, {
      hint: "Run `airlock doctor` to check the keyring",
    });
  }
}

/** The attributes that identify `account`'s item. */
function itemAttributes(account: string): StringTable {
  return new StringTable([["service", KEYSTORE_SERVICE], ["account", account]]);
}
