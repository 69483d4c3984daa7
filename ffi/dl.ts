/**
 * Raw bindings to glibc's dynamic loader interface (`dlopen`, in `libc.so.6` since glibc
 * 2.34): used to pin a library in memory with `RTLD_NODELETE`. Symbol table and constants
 * only; the decision to pin lives in `src/keystore/linux/pin_library.ts`.
 *
 * @module
 */

/** The C library that exports `dlopen`. */
export const LIBC_FOR_DL = "libc.so.6";

/** `RTLD_NOW`: resolve every symbol at load. */
export const RTLD_NOW = 0x2;
/** `RTLD_NODELETE`: never unload the library, even after the last `dlclose`. */
export const RTLD_NODELETE = 0x1000;

/** Loader symbols airlock uses, each with its C prototype. */
export const dlSymbols = {
  /** `void *dlopen (const char *filename, int flags);` */
  dlopen: {
    parameters: [
      "buffer", // const char *filename
      "i32", // int flags
    ],
    result: "pointer", // void * (a handle, or NULL)
  },
} as const;

/** The opened loader interface. */
export type DlLibrary = Deno.DynamicLibrary<typeof dlSymbols>;

/**
 * Opens the loader interface. Requires `--allow-ffi`.
 *
 * @returns The library with {@linkcode dlSymbols} bound.
 * @throws {Error} When `libc.so.6` cannot be loaded (not glibc).
 */
export function openDl(): DlLibrary {
  return Deno.dlopen(LIBC_FOR_DL, dlSymbols);
}
