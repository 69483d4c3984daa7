/**
 * Resolves a credential reference to its secret bytes, whatever the scheme.
 *
 * @module
 */

import { KeystoreError } from "../errors.ts";
import { getKeystore } from "../keystore/mod.ts";
import type { Keystore } from "../keystore/types.ts";
import { readSecretFile } from "./file_source.ts";
import { runCredentialHelper } from "./helper_source.ts";
import { type CredentialRef, describeCredentialRef, parseCredentialRef } from "./ref.ts";
import { SecretBytes } from "./secret_bytes.ts";

/** Options of {@linkcode resolveCredential}; every field has a real default. */
export interface ResolveOptions {
  /**
   * The keystore for `keyring:` references.
   * @default {getKeystore()}
   */
  keystore?: Keystore;
  /**
   * Reads an environment variable for `env:` references.
   * @default {Deno.env.get}
   */
  getEnv?: (name: string) => string | undefined;
  /**
   * Milliseconds a `cmd:` helper may run.
   * @default {10000}
   */
  helperTimeoutMs?: number;
}

/**
 * Resolves a reference (parsed, or text to parse) to its secret.
 *
 * Requires, by scheme: `--allow-ffi` (keyring), `--allow-env` (env), `--allow-read` and
 * `--allow-sys=uid` (file), `--allow-run` (cmd).
 *
 * @param ref The reference, or its text (`keyring:openai`, `env:VAR`, `file:PATH`, `cmd:…`).
 * @param options Keystore, environment reader, helper timeout.
 * @returns The secret; the caller wipes it (`using secret = await resolveCredential(…)`).
 * @throws {KeystoreError} When the reference is malformed or the secret cannot be obtained
 * (missing item, variable or file; locked keyring; failing helper). Never includes the value.
 * @example Resolving an environment variable
 * ```ts
 * import { resolveCredential } from "./resolve.ts";
 * using secret = await resolveCredential("env:API", { getEnv: () => "k-123" });
 * console.assert(secret.length === 5 && String(secret) === "[REDACTED]");
 * ```
 */
export async function resolveCredential(
  ref: CredentialRef | string,
  options: ResolveOptions = {},
): Promise<SecretBytes> {
  const parsed = typeof ref === "string" ? parseCredentialRef(ref) : ref;
  const label = describeCredentialRef(parsed);
  switch (parsed.scheme) {
    case "keyring": {
      const secret = (options.keystore ?? getKeystore()).get(parsed.name);
      if (secret === null) {
        throw new KeystoreError(
          `Cannot resolve credential "${label}": no such item in the keyring`,
          {
            hint: `Store it with \`airlock secret set ${parsed.name}\``,
          },
        );
      }
      return emptyCheck(secret, label, "the keyring item is empty");
    }
    case "env": {
      const value = (options.getEnv ?? ((name: string) => Deno.env.get(name)))(parsed.variable);
      if (value === undefined) {
        throw new KeystoreError(`Cannot resolve credential "${label}": the variable is not set`, {
          hint: `Export ${parsed.variable} in the shell that runs airlock`,
        });
      }
      // The environment hands over a JS string; encode it at once and keep only bytes.
      return emptyCheck(
        new SecretBytes(new TextEncoder().encode(value)),
        label,
        "the variable is empty",
      );
    }
    case "file":
      return readSecretFile(parsed.path, label);
    case "cmd":
      return await runCredentialHelper(parsed.argv, {
        label,
        ...(options.helperTimeoutMs === undefined ? {} : { timeoutMs: options.helperTimeoutMs }),
      });
  }
}

function emptyCheck(secret: SecretBytes, label: string, state: string): SecretBytes {
  if (secret.length > 0) return secret;
  secret.wipe();
  throw new KeystoreError(`Cannot resolve credential "${label}": ${state}`, {
    hint: "A credential must not be empty",
  });
}
