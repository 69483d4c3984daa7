/**
 * A directory for the session's own files where the sandbox has no mount namespace to
 * show them (macOS, Linux best effort without namespaces): owner-only, in the system's
 * temporary directory, granted read-only to the command by a rule of its own.
 *
 * @module
 */

import type { SessionFilesPlace } from "./types.ts";

/**
 * Makes an owner-only temporary directory whose path is the same outside and inside.
 *
 * @returns The place.
 * @example
 * ```ts
 * import { ownerOnlyTempDir } from "./session_files.ts";
 * const place = ownerOnlyTempDir();
 * console.assert(place.dir === place.view && (Deno.statSync(place.dir).mode! & 0o777) === 0o700);
 * Deno.removeSync(place.dir);
 * ```
 */
export function ownerOnlyTempDir(): SessionFilesPlace {
  const dir = Deno.realPathSync(Deno.makeTempDirSync({ prefix: "airlock-session-" }));
  Deno.chmodSync(dir, 0o700);
  return { dir, view: dir };
}
