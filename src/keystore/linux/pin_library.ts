/**
 * Keeps a native library loaded for the life of the process.
 *
 * GLib's type system cannot forget a type: `libgobject` is never unloaded, so when Deno
 * closes `libsecret` (a test module's isolate ends, a worker exits) and a later isolate opens
 * it again, libsecret registers its GTypes a second time and GLib aborts the registration
 * with CRITICAL warnings and dangling class pointers. Opening the library once more with
 * `RTLD_NODELETE` makes every later `dlclose` harmless.
 *
 * Requires `--allow-ffi`.
 *
 * @module
 */

import { openDl, RTLD_NODELETE, RTLD_NOW } from "../../../ffi/dl.ts";
import { cString } from "./glib.ts";

const pinned = new Set<string>();

/**
 * Pins `soname` in memory (once per process is enough; later calls are no-ops).
 * Failure to pin is not fatal: the library still works until it is closed.
 *
 * @param soname The library, e.g. `libsecret-1.so.0`, already opened by `Deno.dlopen`.
 * @returns Whether the library is pinned.
 */
export function pinLibrary(soname: string): boolean {
  if (pinned.has(soname)) return true;
  try {
    const dl = openDl();
    try {
      // The handle is deliberately never closed.
      if (dl.symbols.dlopen(cString(soname), RTLD_NOW | RTLD_NODELETE) === null) return false;
    } finally {
      dl.close();
    }
  } catch {
    return false;
  }
  pinned.add(soname);
  return true;
}
