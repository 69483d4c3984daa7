/**
 * Raw bindings to GLib (`libglib-2.0.so.0`): the hash tables, lists, errors and quarks
 * libsecret's `…v` functions take and return. Symbol table and constants only; the
 * typed wrappers live in `src/keystore/linux/`.
 *
 * @module
 */

/** The GLib shared library, by soname. */
export const LIBGLIB = "libglib-2.0.so.0";

/** GLib symbols airlock uses, each with its C prototype. */
export const glibSymbols = {
  /** `GHashTable *g_hash_table_new (GHashFunc hash_func, GEqualFunc key_equal_func);` */
  g_hash_table_new: {
    parameters: [
      "pointer", // GHashFunc hash_func
      "pointer", // GEqualFunc key_equal_func
    ],
    result: "pointer", // GHashTable *
  },
  /** `gboolean g_hash_table_insert (GHashTable *hash_table, gpointer key, gpointer value);` */
  g_hash_table_insert: {
    parameters: [
      "pointer", // GHashTable *hash_table
      "buffer", // gpointer key (a NUL-terminated string here)
      "buffer", // gpointer value (a NUL-terminated string, or NULL)
    ],
    result: "i32", // gboolean
  },
  /** `gpointer g_hash_table_lookup (GHashTable *hash_table, gconstpointer key);` */
  g_hash_table_lookup: {
    parameters: [
      "pointer", // GHashTable *hash_table
      "buffer", // gconstpointer key
    ],
    result: "pointer", // gpointer
  },
  /** `void g_hash_table_unref (GHashTable *hash_table);` */
  g_hash_table_unref: {
    parameters: [
      "pointer", // GHashTable *hash_table
    ],
    result: "void",
  },
  /** `void g_error_free (GError *error);` */
  g_error_free: {
    parameters: [
      "pointer", // GError *error
    ],
    result: "void",
  },
  /** `void g_list_free (GList *list);` */
  g_list_free: {
    parameters: [
      "pointer", // GList *list
    ],
    result: "void",
  },
  /** `const gchar *g_quark_to_string (GQuark quark);` */
  g_quark_to_string: {
    parameters: [
      "u32", // GQuark quark
    ],
    result: "pointer", // const gchar *
  },
  /** `guint g_str_hash (gconstpointer v);`: taken by address, never called from here. */
  g_str_hash: { type: "pointer" },
  /** `gboolean g_str_equal (gconstpointer v1, gconstpointer v2);`: taken by address. */
  g_str_equal: { type: "pointer" },
} as const;

/** The opened GLib library. */
export type GlibLibrary = Deno.DynamicLibrary<typeof glibSymbols>;

/** `struct GError { GQuark domain; gint code; gchar *message; }`: byte offsets (LP64). */
export const GERROR_OFFSET = { domain: 0, code: 4, message: 8 } as const;

/** `struct GList { gpointer data; GList *next; GList *prev; }`: byte offsets (LP64). */
export const GLIST_OFFSET = { data: 0, next: 8, prev: 16 } as const;

/**
 * Opens GLib. Requires `--allow-ffi`.
 *
 * @returns The library with {@linkcode glibSymbols} bound.
 * @throws {Error} When the library cannot be loaded.
 */
export function openGlib(): GlibLibrary {
  return Deno.dlopen(LIBGLIB, glibSymbols);
}
