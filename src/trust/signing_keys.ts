/**
 * airlock's signing keys (ECDSA P-256): the private key lives in the system keystore
 * (account `trust-key.ID`, DER PKCS #8) or in a PEM file of mode 0600 with its public key
 * in `FILE.pub` beside it; a small record in `$XDG_CONFIG_HOME/airlock/trust-keys/ID.json`
 * says where, with the public key and its fingerprint. A key file that group or others
 * can read or write is refused. Private key bytes are wiped once imported.
 *
 * Requires `--allow-read`/`--allow-write` on the configuration directory (and the key
 * file), `--allow-ffi` for the keystore.
 *
 * @module
 */

import { TrustError } from "../errors.ts";
import { SecretBytes } from "../credentials/secret_bytes.ts";
import { getKeystore } from "../keystore/mod.ts";
import { generateKey, importSigningKey, type SigningKey } from "./keyed.ts";
import { fromPem, toPem } from "./pem.ts";
import { trustPolicyPaths } from "./policy_paths.ts";
import { writeFileAtomic } from "./atomic_write.ts";

/** Where a key's record says its private key is. */
export interface KeyRecord {
  /** The key's id (`default`). */
  id: string;
  /** `keyring:trust-key.ID` or `file:///abs/path`. */
  keyref: string;
  /** Hex SHA-256 of the DER SPKI. */
  fingerprint: string;
  /** The public key, PEM. */
  public_key: string;
  /** ISO 8601 creation time. */
  created: string;
}

/** The id rule. */
export const KEY_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The default key id. */
export const DEFAULT_KEY_ID = "default";

/**
 * The keystore account of a key id.
 *
 * @param id The key id.
 * @returns `trust-key.ID`.
 */
export function keystoreAccount(id: string): string {
  return `trust-key.${id}`;
}

function checkId(id: string): string {
  if (!KEY_ID.test(id)) {
    throw new TrustError(
      `Cannot use signing key ${JSON.stringify(id.slice(0, 80))}: the id is not valid`,
      {
        hint: "use 1 to 64 letters, digits, . _ or -, starting with a letter or digit",
      },
    );
  }
  return id;
}

function recordPath(id: string, env: Record<string, string | undefined>): string {
  return `${trustPolicyPaths("/", env).keys}/${id}.json`;
}

/**
 * Parses `--keyref file://PATH` into an absolute path.
 *
 * @param keyref The reference.
 * @param cwd The directory relative paths are resolved against.
 * @returns The absolute path.
 * @throws {TrustError} When the reference is not `file://…`.
 * @example
 * ```ts
 * import { keyFilePath } from "./signing_keys.ts";
 * console.assert(keyFilePath("file:///k/a.pem", "/w") === "/k/a.pem");
 * console.assert(keyFilePath("file://keys/a.pem", "/w") === "/w/keys/a.pem");
 * ```
 */
export function keyFilePath(keyref: string, cwd: string): string {
  if (!keyref.startsWith("file://") || keyref.length <= "file://".length) {
    throw new TrustError(`Cannot use key reference ${JSON.stringify(keyref.slice(0, 80))}`, {
      hint: "use --keyref file://PATH (an absolute or relative path), or omit it for the keystore",
    });
  }
  const path = keyref.slice("file://".length);
  const abs = path.startsWith("/") ? path : `${cwd.replace(/\/+$/, "")}/${path}`;
  return abs.split("/").filter((s, i) => i === 0 || (s !== "" && s !== ".")).join("/");
}

/**
 * Generates a key and stores it: in the keystore, or in a 0600 PEM file with `.pub` beside.
 *
 * @param id The key id.
 * @param options `keyFile` for a file key; `force` to replace an existing key; `env`.
 * @returns The new key's record.
 * @throws {TrustError} When a key with this id (or the file) exists and `force` is not set.
 * @throws {KeystoreError} When the keystore refuses.
 */
export async function createSigningKey(
  id: string,
  options: { keyFile?: string; force?: boolean; env?: Record<string, string | undefined> } = {},
): Promise<KeyRecord> {
  const env = options.env ?? Deno.env.toObject();
  checkId(id);
  const path = recordPath(id, env);
  if (!options.force && exists(path)) {
    throw new TrustError(`Cannot create signing key "${id}": it exists (${path})`, {
      hint: "pick another --id, or pass --force to replace it (bundles it signed stop verifying)",
    });
  }
  if (options.keyFile && !options.force && exists(options.keyFile)) {
    throw new TrustError(`Cannot create signing key "${id}": ${options.keyFile} exists`, {
      hint: "choose another path, or pass --force to overwrite it",
    });
  }
  const key = await generateKey();
  using secret = new SecretBytes(key.pkcs8);
  const publicPem = toPem("PUBLIC KEY", key.spki);
  let keyref: string;
  if (options.keyFile) {
    const pem = secret.use((bytes) => toPem("PRIVATE KEY", bytes));
    writeFileAtomic(options.keyFile, new TextEncoder().encode(pem), 0o600);
    writeFileAtomic(`${options.keyFile}.pub`, new TextEncoder().encode(publicPem), 0o644);
    keyref = `file://${options.keyFile}`;
  } else {
    getKeystore().set(keystoreAccount(id), secret);
    keyref = `keyring:${keystoreAccount(id)}`;
  }
  const record: KeyRecord = {
    id,
    keyref,
    fingerprint: key.fingerprint,
    public_key: publicPem,
    created: new Date().toISOString(),
  };
  Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true, mode: 0o700 });
  writeFileAtomic(path, new TextEncoder().encode(JSON.stringify(record, null, 2) + "\n"), 0o600);
  return record;
}

/**
 * Reads a key's record.
 *
 * @param id The key id.
 * @param env The environment.
 * @returns The record.
 * @throws {TrustError} When there is no such key or the record is malformed.
 */
export function readKeyRecord(
  id: string,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): KeyRecord {
  const path = recordPath(checkId(id), env);
  let value: Partial<KeyRecord>;
  try {
    value = JSON.parse(Deno.readTextFileSync(path));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new TrustError(`Cannot use signing key "${id}": there is no such key (${path})`, {
        hint: `create it with \`airlock trust keygen --id ${id}\``,
      });
    }
    throw new TrustError(`Cannot use signing key "${id}": ${path} is not valid JSON`, {
      cause: err,
    });
  }
  if (
    typeof value.keyref !== "string" || typeof value.fingerprint !== "string" ||
    typeof value.public_key !== "string"
  ) {
    throw new TrustError(
      `Cannot use signing key "${id}": ${path} lacks keyref, fingerprint or public_key`,
    );
  }
  return value as KeyRecord;
}

/**
 * Loads a key for signing, checking that it is the key its record names.
 *
 * @param record The key's record.
 * @returns The signing key.
 * @throws {TrustError} When the key file is missing, open to group or others, or not the
 *   recorded key; {@linkcode KeystoreError} when the keystore has no such item.
 */
export async function loadSigningKey(record: KeyRecord): Promise<SigningKey> {
  using secret = record.keyref.startsWith("file://")
    ? readKeyFile(record.keyref.slice("file://".length))
    : keystoreSecret(record);
  let key: SigningKey;
  try {
    key = await secret.use((bytes) => importSigningKey(bytes));
  } catch (err) {
    throw new TrustError(
      `Cannot use signing key "${record.id}": it is not an ECDSA P-256 private key`,
      {
        cause: err,
      },
    );
  }
  if (key.fingerprint !== record.fingerprint) {
    throw new TrustError(
      `Cannot use signing key "${record.id}": its fingerprint is ${key.fingerprint}, the record says ${record.fingerprint}`,
      { hint: "the key was replaced: run `airlock trust keygen --force` or restore the key" },
    );
  }
  return key;
}

function keystoreSecret(record: KeyRecord): SecretBytes {
  const account = record.keyref.replace(/^keyring:/, "");
  const secret = getKeystore().get(account);
  if (!secret) {
    throw new TrustError(
      `Cannot use signing key "${record.id}": the keystore has no item "${account}"`,
      {
        hint: "unlock the keyring, or recreate the key with `airlock trust keygen --force`",
      },
    );
  }
  return secret;
}

/**
 * Reads a PEM private key file, refusing one that group or others can read or write.
 *
 * @param path The absolute path.
 * @returns The DER PKCS #8 bytes.
 * @throws {TrustError} When the file is missing, not regular, too open, or not PEM.
 */
export function readKeyFile(path: string): SecretBytes {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true });
  } catch (err) {
    throw new TrustError(`Cannot read signing key ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  try {
    const info = file.statSync(); // the opened file: what is checked is what is read
    if (!info.isFile) {
      throw new TrustError(`Cannot read signing key ${path}: it is not a regular file`);
    }
    const mode = (info.mode ?? 0) & 0o777;
    if (mode & 0o077) {
      throw new TrustError(
        `Cannot read signing key ${path}: its mode is ${
          mode.toString(8).padStart(4, "0")
        }, open to group or others`,
        { hint: `run chmod 600 ${path}` },
      );
    }
    const buf = new Uint8Array(Math.min(info.size, 64 * 1024));
    let n = 0;
    while (n < buf.length) {
      const got = file.readSync(buf.subarray(n));
      if (got === null || got === 0) break;
      n += got;
    }
    const text = new TextDecoder().decode(buf.subarray(0, n));
    buf.fill(0);
    const der = fromPem("PRIVATE KEY", text);
    if (!der) {
      throw new TrustError(`Cannot read signing key ${path}: it holds no PEM "PRIVATE KEY" block`);
    }
    return new SecretBytes(der);
  } finally {
    file.close();
  }
}

/**
 * The records of every local key, sorted by id.
 *
 * @param env The environment.
 * @returns The records (malformed ones skipped).
 */
export function listKeyRecords(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): KeyRecord[] {
  const dir = trustPolicyPaths("/", env).keys;
  const out: KeyRecord[] = [];
  try {
    for (const entry of Deno.readDirSync(dir)) {
      const id = entry.name.replace(/\.json$/, "");
      if (!entry.isFile || id === entry.name || !KEY_ID.test(id)) continue;
      try {
        out.push(readKeyRecord(id, env));
      } catch {
        // a malformed record is reported when that key is used
      }
    }
  } catch {
    // no keys yet
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
