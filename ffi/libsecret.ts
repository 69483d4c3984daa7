/**
 * Raw bindings to libsecret (`libsecret-1.so.0`), the Secret Service client library.
 * Only the non-variadic `…v` functions are bound: variadic C functions cannot be called
 * through `Deno.dlopen`. Symbol table and constants only; the typed wrapper is
 * `src/keystore/linux/secret_service.ts`.
 *
 * @module
 */

/** The libsecret shared library, by soname. */
export const LIBSECRET = "libsecret-1.so.0";

/** `SecretSchemaFlags`: match items whatever their `xdg:schema` attribute says. */
export const SECRET_SCHEMA_DONT_MATCH_NAME = 1 << 1;
/** `SecretSchemaAttributeType`: a string attribute. */
export const SECRET_SCHEMA_ATTRIBUTE_STRING = 0;
/** `SecretSearchFlags`: return every match, not only the first. */
export const SECRET_SEARCH_ALL = 1 << 1;
/** `SecretServiceFlags`: no extra set-up when connecting. */
export const SECRET_SERVICE_NONE = 0;
/** `SecretCollectionFlags`: do not load the collection's items. */
export const SECRET_COLLECTION_NONE = 0;
/** `SECRET_COLLECTION_DEFAULT`: the alias of the default collection. */
export const SECRET_COLLECTION_DEFAULT = "default";
/** The GError domain name of `SECRET_ERROR`. */
export const SECRET_ERROR_DOMAIN = "secret-error";
/** `SecretError`: the item or collection is locked. */
export const SECRET_ERROR_IS_LOCKED = 2;
/** `SecretError`: no such item or collection. */
export const SECRET_ERROR_NO_SUCH_OBJECT = 3;

/** libsecret symbols airlock uses, each with its C prototype. */
export const libsecretSymbols = {
  /**
   * `SecretSchema *secret_schema_newv (const gchar *name, SecretSchemaFlags flags,
   *   GHashTable *attribute_names_and_types);`
   */
  secret_schema_newv: {
    parameters: [
      "buffer", // const gchar *name
      "i32", // SecretSchemaFlags flags
      "pointer", // GHashTable *attribute_names_and_types
    ],
    result: "pointer", // SecretSchema *
  },
  /** `void secret_schema_unref (SecretSchema *schema);` */
  secret_schema_unref: {
    parameters: [
      "pointer", // SecretSchema *schema
    ],
    result: "void",
  },
  /** `SecretValue *secret_value_new (const gchar *secret, gssize length, const gchar *content_type);` */
  secret_value_new: {
    parameters: [
      "buffer", // const gchar *secret
      "isize", // gssize length
      "buffer", // const gchar *content_type
    ],
    result: "pointer", // SecretValue *
  },
  /** `const gchar *secret_value_get (SecretValue *value, gsize *length);` */
  secret_value_get: {
    parameters: [
      "pointer", // SecretValue *value
      "buffer", // gsize *length
    ],
    result: "pointer", // const gchar *
  },
  /** `void secret_value_unref (gpointer value);`: frees (and wipes) the secret on the last unref. */
  secret_value_unref: {
    parameters: [
      "pointer", // gpointer value
    ],
    result: "void",
  },
  /**
   * `gboolean secret_password_storev_binary_sync (const SecretSchema *schema,
   *   GHashTable *attributes, const gchar *collection, const gchar *label, SecretValue *value,
   *   GCancellable *cancellable, GError **error);`
   */
  secret_password_storev_binary_sync: {
    parameters: [
      "pointer", // const SecretSchema *schema
      "pointer", // GHashTable *attributes
      "buffer", // const gchar *collection (NULL: the default collection)
      "buffer", // const gchar *label
      "pointer", // SecretValue *value
      "pointer", // GCancellable *cancellable
      "buffer", // GError **error
    ],
    result: "i32", // gboolean
  },
  /**
   * `SecretValue *secret_password_lookupv_binary_sync (const SecretSchema *schema,
   *   GHashTable *attributes, GCancellable *cancellable, GError **error);`
   */
  secret_password_lookupv_binary_sync: {
    parameters: [
      "pointer", // const SecretSchema *schema
      "pointer", // GHashTable *attributes
      "pointer", // GCancellable *cancellable
      "buffer", // GError **error
    ],
    result: "pointer", // SecretValue *
  },
  /**
   * `gboolean secret_password_clearv_sync (const SecretSchema *schema, GHashTable *attributes,
   *   GCancellable *cancellable, GError **error);`
   */
  secret_password_clearv_sync: {
    parameters: [
      "pointer", // const SecretSchema *schema
      "pointer", // GHashTable *attributes
      "pointer", // GCancellable *cancellable
      "buffer", // GError **error
    ],
    result: "i32", // gboolean
  },
  /**
   * `SecretService *secret_service_get_sync (SecretServiceFlags flags,
   *   GCancellable *cancellable, GError **error);`
   */
  secret_service_get_sync: {
    parameters: [
      "i32", // SecretServiceFlags flags
      "pointer", // GCancellable *cancellable
      "buffer", // GError **error
    ],
    result: "pointer", // SecretService *
  },
  /**
   * `GList *secret_service_search_sync (SecretService *service, const SecretSchema *schema,
   *   GHashTable *attributes, SecretSearchFlags flags, GCancellable *cancellable,
   *   GError **error);`
   */
  secret_service_search_sync: {
    parameters: [
      "pointer", // SecretService *service
      "pointer", // const SecretSchema *schema
      "pointer", // GHashTable *attributes
      "i32", // SecretSearchFlags flags
      "pointer", // GCancellable *cancellable
      "buffer", // GError **error
    ],
    result: "pointer", // GList * of SecretItem *
  },
  /**
   * `SecretCollection *secret_collection_for_alias_sync (SecretService *service,
   *   const gchar *alias, SecretCollectionFlags flags, GCancellable *cancellable,
   *   GError **error);`
   */
  secret_collection_for_alias_sync: {
    parameters: [
      "pointer", // SecretService *service
      "buffer", // const gchar *alias
      "i32", // SecretCollectionFlags flags
      "pointer", // GCancellable *cancellable
      "buffer", // GError **error
    ],
    result: "pointer", // SecretCollection * (NULL when no collection has the alias)
  },
  /** `gboolean secret_collection_get_locked (SecretCollection *self);` */
  secret_collection_get_locked: {
    parameters: [
      "pointer", // SecretCollection *self
    ],
    result: "i32", // gboolean
  },
  /** `gboolean secret_item_get_locked (SecretItem *self);` */
  secret_item_get_locked: {
    parameters: [
      "pointer", // SecretItem *self
    ],
    result: "i32", // gboolean
  },
  /** `GHashTable *secret_item_get_attributes (SecretItem *self);` */
  secret_item_get_attributes: {
    parameters: [
      "pointer", // SecretItem *self
    ],
    result: "pointer", // GHashTable * (transfer full)
  },
} as const;

/** The opened libsecret library. */
export type LibsecretLibrary = Deno.DynamicLibrary<typeof libsecretSymbols>;

/**
 * Opens libsecret. Requires `--allow-ffi`.
 *
 * @returns The library with {@linkcode libsecretSymbols} bound.
 * @throws {Error} When the library cannot be loaded (package `libsecret-1-0` missing).
 */
export function openLibsecret(): LibsecretLibrary {
  return Deno.dlopen(LIBSECRET, libsecretSymbols);
}
