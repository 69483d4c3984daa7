/**
 * Keyed signing and verification with WebCrypto (ECDSA P-256, SHA-256): DSSE signatures
 * over the pre-authentication encoding, converted between WebCrypto's P1363 form and the
 * DER form Sigstore bundles carry. A key is known by its fingerprint, the hex SHA-256 of
 * its DER SubjectPublicKeyInfo — the bundle's `publicKey.hint`. No npm dependency.
 *
 * @module
 */

import { sha256Hex } from "./digest.ts";
import { pae } from "./dsse.ts";
import { derToP1363, p1363ToDer } from "./ecdsa_signature.ts";

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGNATURE = { name: "ECDSA", hash: "SHA-256" } as const;

/** A fresh key pair, exported. */
export interface GeneratedKey {
  /** The private key, DER PKCS #8: the caller stores it and then wipes it. */
  pkcs8: Uint8Array<ArrayBuffer>;
  /** The public key, DER SubjectPublicKeyInfo. */
  spki: Uint8Array<ArrayBuffer>;
  /** Hex SHA-256 of `spki`. */
  fingerprint: string;
}

/**
 * Generates an ECDSA P-256 key pair.
 *
 * @returns The exported pair and its fingerprint.
 * @example
 * ```ts
 * import { generateKey } from "./keyed.ts";
 * const key = await generateKey();
 * console.assert(key.fingerprint.length === 64 && key.spki.length === 91);
 * key.pkcs8.fill(0);
 * ```
 */
export async function generateKey(): Promise<GeneratedKey> {
  const pair = await crypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]);
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", pair.publicKey));
  return { pkcs8, spki, fingerprint: sha256Hex(spki) };
}

/**
 * The fingerprint of a public key.
 *
 * @param spki DER SubjectPublicKeyInfo.
 * @returns Hex SHA-256 of the bytes.
 */
export function fingerprintOf(spki: Uint8Array): string {
  return sha256Hex(spki);
}

/**
 * Imports a P-256 public key for verification.
 *
 * @param spki DER SubjectPublicKeyInfo.
 * @returns The key.
 * @throws {Error} When the bytes are not a P-256 public key.
 */
export function importPublicKey(spki: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return crypto.subtle.importKey("spki", spki, ALGORITHM, false, ["verify"]);
}

/** A private key ready to sign, and its public half. */
export interface SigningKey {
  /** The non-extractable private key. */
  privateKey: CryptoKey;
  /** DER SubjectPublicKeyInfo of the public key. */
  spki: Uint8Array<ArrayBuffer>;
  /** Its fingerprint. */
  fingerprint: string;
}

/**
 * Imports a PKCS #8 private key for signing and derives its public key.
 *
 * @param pkcs8 DER PKCS #8 (the caller wipes it afterwards).
 * @returns The signing key.
 * @throws {Error} When the bytes are not a P-256 private key.
 */
export async function importSigningKey(pkcs8: Uint8Array<ArrayBuffer>): Promise<SigningKey> {
  const extractable = await crypto.subtle.importKey("pkcs8", pkcs8, ALGORITHM, true, ["sign"]);
  const jwk = await crypto.subtle.exportKey("jwk", extractable);
  const { kty, crv, x, y } = jwk;
  jwk.d = "";
  const publicKey = await crypto.subtle.importKey("jwk", { kty, crv, x, y }, ALGORITHM, true, [
    "verify",
  ]);
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", publicKey));
  const privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, ALGORITHM, false, ["sign"]);
  return { privateKey, spki, fingerprint: sha256Hex(spki) };
}

/**
 * Signs a DSSE payload.
 *
 * @param key The private key.
 * @param payloadType The payload's media type.
 * @param payload The payload bytes.
 * @returns The DER ECDSA signature over the pre-authentication encoding.
 */
export async function signDsse(
  key: CryptoKey,
  payloadType: string,
  payload: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  const p1363 = new Uint8Array(await crypto.subtle.sign(SIGNATURE, key, pae(payloadType, payload)));
  return p1363ToDer(p1363);
}

/**
 * Verifies a DSSE signature.
 *
 * @param key The public key.
 * @param payloadType The payload's media type.
 * @param payload The payload bytes.
 * @param der The DER ECDSA signature.
 * @returns Whether the signature is valid (false for a malformed one).
 * @example Round trip
 * ```ts
 * import { generateKey, importPublicKey, importSigningKey, signDsse, verifyDsse } from "./keyed.ts";
 * const generated = await generateKey();
 * const signer = await importSigningKey(generated.pkcs8);
 * const payload = new TextEncoder().encode("{}");
 * const sig = await signDsse(signer.privateKey, "t", payload);
 * const pub = await importPublicKey(generated.spki);
 * console.assert(await verifyDsse(pub, "t", payload, sig));
 * console.assert(!(await verifyDsse(pub, "u", payload, sig)));
 * ```
 */
export async function verifyDsse(
  key: CryptoKey,
  payloadType: string,
  payload: Uint8Array,
  der: Uint8Array,
): Promise<boolean> {
  const p1363 = derToP1363(der, 32);
  if (!p1363) return false;
  return await crypto.subtle.verify(SIGNATURE, key, p1363, pae(payloadType, payload));
}
