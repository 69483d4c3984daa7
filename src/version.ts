/**
 * airlock's version, shown by `airlock --version`.
 *
 * @module
 */

/** The release version (kept equal to `deno.json`'s `version`). */
export const VERSION = "0.1.0";
