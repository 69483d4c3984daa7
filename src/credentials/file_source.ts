/**
 * `file:PATH` credentials: read a secret from a file only when the file is a regular file
 * owned by the current user and neither readable nor writable by group or others. The
 * checks are made on the opened file (`fstat`), so the file read is the file checked.
 *
 * Requires `--allow-read` (and `--allow-sys=uid` for the owner check) and `--allow-env=HOME`
 * for `~/` paths.
 *
 * @module
 */

import { KeystoreError } from "../errors.ts";
import { ByteBuffer, MAX_SECRET_BYTES } from "./byte_buffer.ts";
import type { SecretBytes } from "./secret_bytes.ts";

/** Mode bits that must be clear: read or write for group and others. */
const GROUP_OTHER_RW = 0o066;

/**
 * Reads a secret file, dropping one trailing newline.
 *
 * @param path The path; `~/` at the start expands to `$HOME`.
 * @param label How to name the credential in errors, e.g. `file:~/.openai`.
 * @returns The secret (the caller wipes it).
 * @throws {KeystoreError} When the file is missing, unreadable, not a regular file, owned
 * by someone else, open to group or others, empty, or larger than 1 MiB.
 * @example
 * ```ts
 * import { readSecretFile } from "./file_source.ts";
 * const path = Deno.makeTempFileSync();
 * Deno.writeTextFileSync(path, "s3cr3t\n");
 * Deno.chmodSync(path, 0o600);
 * using secret = readSecretFile(path, `file:${path}`);
 * console.assert(secret.length === 6);
 * Deno.removeSync(path);
 * ```
 */
export function readSecretFile(path: string, label: string): SecretBytes {
  const fail = (state: string, hint: string, cause?: unknown) =>
    new KeystoreError(`Cannot resolve credential "${label}": ${state}`, { hint, cause });
  const resolved = expandHome(path);
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(resolved, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw fail("the file does not exist", `Create it with mode 600: ${resolved}`, error);
    }
    if (error instanceof Deno.errors.PermissionDenied) {
      throw fail(
        "the file cannot be read: permission denied",
        "Check the file's owner and mode",
        error,
      );
    }
    throw fail("the file cannot be opened", "Check the path", error);
  }
  try {
    const info = file.statSync();
    if (!info.isFile) throw fail("it is not a regular file", "Point file: at a regular file");
    const uid = Deno.uid();
    if (uid !== null && info.uid !== uid) {
      throw fail(
        `the file is owned by uid ${info.uid}, not by the current user (uid ${uid})`,
        `Use a file you own: chown ${uid} ${resolved}`,
      );
    }
    const mode = info.mode ?? 0;
    if ((mode & GROUP_OTHER_RW) !== 0) {
      throw fail(
        `the file is readable or writable by group or others: current mode is ${
          (mode & 0o777).toString(8).padStart(4, "0")
        }`,
        `Restrict it: chmod 600 ${resolved}`,
      );
    }
    if (info.size > MAX_SECRET_BYTES) {
      throw fail("the file is larger than 1 MiB", "Point file: at a file holding only the secret");
    }
    const secret = readAll(
      file,
      () => fail("the file is larger than 1 MiB", "Point file: at a file holding only the secret"),
    );
    if (secret.length === 0) {
      secret.wipe();
      throw fail("the file is empty", `Write the secret into ${resolved}`);
    }
    return secret;
  } finally {
    file.close();
  }
}

function readAll(file: Deno.FsFile, tooLarge: () => Error): SecretBytes {
  using buffer = new ByteBuffer();
  const chunk = new Uint8Array(4096);
  try {
    for (;;) {
      const n = file.readSync(chunk);
      if (n === null) break;
      buffer.push(chunk.subarray(0, n));
      if (buffer.length > MAX_SECRET_BYTES) throw tooLarge();
    }
  } finally {
    chunk.fill(0);
  }
  return buffer.take({ trimNewline: true });
}

function expandHome(path: string): string {
  if (!path.startsWith("~/")) return path;
  const home = Deno.env.get("HOME");
  return home ? `${home}${path.slice(1)}` : path;
}
