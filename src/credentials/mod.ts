/**
 * Credential references and secret bytes: parse `keyring:`/`env:`/`file:`/`cmd:`
 * references and resolve them to {@linkcode SecretBytes} that wipe and never print.
 *
 * @example Resolve a reference, use the bytes, wipe them
 * ```ts
 * import { parseCredentialRef, resolveCredential } from "./mod.ts";
 * const ref = parseCredentialRef("env:HOME");
 * using secret = await resolveCredential(ref);
 * secret.use((bytes) => console.assert(bytes.length > 0));
 * ```
 *
 * @module
 */

export { REDACTED, SecretBytes } from "./secret_bytes.ts";
export {
  CREDENTIAL_SCHEMES,
  type CredentialRef,
  describeCredentialRef,
  parseCredentialRef,
} from "./ref.ts";
export { resolveCredential, type ResolveOptions } from "./resolve.ts";
export { DEFAULT_HELPER_TIMEOUT_MS } from "./helper_source.ts";
