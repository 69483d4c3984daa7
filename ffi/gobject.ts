/**
 * Raw bindings to GObject (`libgobject-2.0.so.0`): reference counting of the objects
 * libsecret returns. Symbol table only; the typed wrappers live in `src/keystore/linux/`.
 *
 * @module
 */

/** The GObject shared library, by soname. */
export const LIBGOBJECT = "libgobject-2.0.so.0";

/** GObject symbols airlock uses, each with its C prototype. */
export const gobjectSymbols = {
  /** `void g_object_unref (gpointer object);` */
  g_object_unref: {
    parameters: [
      "pointer", // gpointer object
    ],
    result: "void",
  },
} as const;

/** The opened GObject library. */
export type GobjectLibrary = Deno.DynamicLibrary<typeof gobjectSymbols>;

/**
 * Opens GObject. Requires `--allow-ffi`.
 *
 * @returns The library with {@linkcode gobjectSymbols} bound.
 * @throws {Error} When the library cannot be loaded.
 */
export function openGobject(): GobjectLibrary {
  return Deno.dlopen(LIBGOBJECT, gobjectSymbols);
}
