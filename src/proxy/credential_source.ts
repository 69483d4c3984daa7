/**
 * Where the proxy gets real credentials: a {@linkcode CredentialSource} function, so the
 * proxy depends on nothing but "route and reference in, bytes out". The default resolves
 * references (`keyring:`, `env:`, `file:`, `cmd:`) through the credential store module.
 *
 * @module
 */

/** Returns the real credential for a route, as bytes the proxy owns (never logged). */
export type CredentialSource = (route: string, reference: string) => Promise<Uint8Array>;

/**
 * The default credential source: `resolveCredential` from `src/credentials/`, copied into
 * a buffer the proxy owns (and wipes on close); the store's copy is wiped at once.
 * Requires, by scheme: `--allow-ffi` (keyring), `--allow-env` (env), `--allow-read`
 * (file), `--allow-run` (cmd).
 *
 * @param _route The route name (unused: the store's messages name the reference).
 * @param reference `keyring:NAME`, `env:VAR`, `file:PATH` or `cmd:…`.
 * @returns The credential bytes.
 * @throws {KeystoreError} When the credential is missing, empty or unreadable (the
 *   message names the reference, never a value).
 * @example
 * ```ts
 * import { defaultCredentialSource } from "./credential_source.ts";
 * Deno.env.set("AIRLOCK_DOC_KEY", "sk-real");
 * const bytes = await defaultCredentialSource("openai", "env:AIRLOCK_DOC_KEY");
 * console.assert(new TextDecoder().decode(bytes) === "sk-real");
 * ```
 */
export async function defaultCredentialSource(
  _route: string,
  reference: string,
): Promise<Uint8Array> {
  const { resolveCredential } = await import("../credentials/mod.ts");
  using secret = await resolveCredential(reference);
  return secret.use((bytes) => bytes.slice());
}
