/**
 * The libsecret calls the Secret Service keystore shares: opening (and pinning) the
 * library, airlock's schema, searching items, and probing whether the default collection
 * or a matching item is locked. Every GError becomes a classified KeystoreError.
 *
 * Requires `--allow-ffi` and a D-Bus session bus.
 *
 * @module
 */

import { KeystoreError } from "../../errors.ts";
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
  gobjectSymbols,
  listData,
  StringTable,
  withGError,
} from "./glib.ts";
import { keyringError, secretCall } from "./secret_errors.ts";
import { pinLibrary } from "./pin_library.ts";

/** The schema name airlock stores items under (ignored when matching). */
export const SCHEMA_NAME = "org.airlock.Credential";

/** libsecret's bound symbols. */
export type LibsecretSymbols = LibsecretLibrary["symbols"];

let lib: LibsecretLibrary | undefined;
let schema: Deno.PointerObject | undefined;

/**
 * libsecret's symbols, the library opened (and pinned in memory) on first use.
 *
 * @param action What is being done, for the error message.
 * @returns The bound symbols.
 * @throws {KeystoreError} When `libsecret-1.so.0` cannot be loaded.
 */
export function libsecret(action: string): LibsecretSymbols {
  if (lib === undefined) {
    try {
      lib = openLibsecret();
    } catch (cause) {
      throw new KeystoreError(`Cannot ${action}: libsecret-1.so.0 cannot be loaded`, {
        hint: "Install libsecret (Debian/Ubuntu: apt-get install libsecret-1-0)",
        cause,
      });
    }
    pinLibrary(LIBSECRET);
  }
  return lib.symbols;
}

/**
 * airlock's schema: string attributes `service` and `account`, with
 * `SECRET_SCHEMA_DONT_MATCH_NAME` so items stored by `secret-tool` match too. Created once.
 *
 * @param s libsecret's symbols.
 * @returns The `SecretSchema *`.
 * @throws {Error} When libsecret cannot allocate it.
 */
export function airlockSchema(s: LibsecretSymbols): Deno.PointerObject {
  if (schema === undefined) {
    // A NULL value is GINT_TO_POINTER(SECRET_SCHEMA_ATTRIBUTE_STRING), which is 0.
    const fields = new StringTable([["service", null], ["account", null]]);
    try {
      const created = s.secret_schema_newv(
        cString(SCHEMA_NAME),
        SECRET_SCHEMA_DONT_MATCH_NAME,
        fields.pointer,
      );
      if (created === null) throw new Error("secret_schema_newv returned NULL");
      schema = created;
    } finally {
      fields.free();
    }
  }
  return schema;
}

/**
 * Calls `visit` for each item matching `attributes`, locked ones included.
 *
 * @param action What is being done, for error messages.
 * @param attributes The attributes to match.
 * @param visit Receives each `SecretItem *` (borrowed for the call).
 * @throws {KeystoreError} When the Secret Service cannot be reached.
 */
export function searchItems(
  action: string,
  attributes: StringTable,
  visit: (item: Deno.PointerObject, s: LibsecretSymbols) => void,
): void {
  const s = libsecret(action);
  const service = connect(action, s);
  try {
    const list = secretCall(action, () =>
      withGError((slot) =>
        s.secret_service_search_sync(
          service,
          airlockSchema(s),
          attributes.pointer,
          SECRET_SEARCH_ALL,
          null,
          slot,
        )
      ));
    try {
      for (const item of listData(list)) visit(item, s);
    } finally {
      freeObjectList(list);
    }
  } finally {
    gobjectSymbols().g_object_unref(service);
  }
}

/**
 * Whether the default collection is locked.
 *
 * @param action What is being done, for error messages.
 * @param s libsecret's symbols.
 * @returns True or false; undefined when no collection has the `default` alias.
 * @throws {KeystoreError} When the Secret Service cannot be reached.
 */
export function defaultCollectionLocked(
  action: string,
  s: LibsecretSymbols,
): boolean | undefined {
  const service = connect(action, s);
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
 * After a lookup or clear found nothing: whether a matching item or the default collection
 * is locked, so that a locked keyring never reads as "not found" (libsecret returns nothing
 * for a locked item, exactly as for a missing one).
 *
 * @param action What is being done, for error messages.
 * @param attributes The attributes that were looked up.
 * @returns True when the keyring is locked where the item would be.
 * @throws {KeystoreError} When the Secret Service cannot be reached.
 */
export function anyLocked(action: string, attributes: StringTable): boolean {
  let lockedItem = false;
  searchItems(action, attributes, (item, s) => {
    if (s.secret_item_get_locked(item) !== 0) lockedItem = true;
  });
  return lockedItem || defaultCollectionLocked(action, libsecret(action)) === true;
}

/** A new reference to the shared `SecretService` proxy. */
function connect(action: string, s: LibsecretSymbols): Deno.PointerObject {
  const service = secretCall(
    action,
    () => withGError((slot) => s.secret_service_get_sync(SECRET_SERVICE_NONE, null, slot)),
  );
  if (service === null) throw keyringError(action, "no-provider");
  return service;
}
