/**
 * Writes a file so that it is never half-written: a temporary file beside it (created
 * exclusively, with the final mode), fsync, then rename over the target.
 *
 * @module
 */

/**
 * Writes `bytes` to `path` atomically.
 *
 * Requires `--allow-write` on the directory.
 *
 * @param path The target path.
 * @param bytes The contents.
 * @param mode The file's mode (e.g. `0o600`).
 * @throws {Deno.errors.NotFound} When the directory does not exist (and other I/O errors).
 * @example
 * ```ts
 * import { writeFileAtomic } from "./atomic_write.ts";
 * const dir = Deno.makeTempDirSync();
 * writeFileAtomic(`${dir}/a`, new TextEncoder().encode("x"), 0o600);
 * console.assert(Deno.readTextFileSync(`${dir}/a`) === "x");
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function writeFileAtomic(path: string, bytes: Uint8Array, mode: number): void {
  const slash = path.lastIndexOf("/");
  const dir = slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".";
  const suffix = crypto.getRandomValues(new Uint8Array(6)).toHex();
  const temp = `${dir}/.${path.slice(slash + 1)}.${suffix}.tmp`;
  const file = Deno.openSync(temp, { write: true, createNew: true, mode });
  try {
    try {
      let off = 0;
      while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
      file.syncSync();
    } finally {
      file.close();
    }
    Deno.chmodSync(temp, mode); // the umask may have narrowed the requested mode
    Deno.renameSync(temp, path);
  } catch (err) {
    try {
      Deno.removeSync(temp);
    } catch {
      // already renamed or never created
    }
    throw err;
  }
}
