/**
 * Builds and signs an X.509 v3 certificate with an ECDSA P-256 key through WebCrypto
 * (RFC 5280): the TBS structure in DER, `ecdsa-with-SHA256`, the P1363 signature WebCrypto
 * returns converted to DER. Only what the session CA and its leaves use.
 *
 * @module
 */

import { p1363ToDer } from "../trust/ecdsa_signature.ts";
import {
  bitString,
  boolean,
  type Der,
  explicit,
  octetString,
  oid,
  sequence,
  set,
  smallInteger,
  time,
  unsignedInteger,
  utf8,
} from "./der.ts";

/** `ecdsa-with-SHA256`. */
const ECDSA_SHA256 = sequence(oid("1.2.840.10045.4.3.2"));

/** One extension: its OID, whether it is critical, and its value's DER. */
export interface Extension {
  /** Dotted OID. */
  oid: string;
  /** Critical. */
  critical: boolean;
  /** The DER the `extnValue` OCTET STRING holds. */
  value: Uint8Array;
}

/** What a certificate says. */
export interface CertificateFields {
  /** Serial number (big-endian, positive). */
  serial: Uint8Array;
  /** Issuer's common name and organization. */
  issuer: { cn: string; o?: string };
  /** Subject's common name and organization. */
  subject: { cn: string; o?: string };
  /** Start of validity. */
  notBefore: Date;
  /** End of validity. */
  notAfter: Date;
  /** The subject's public key (DER SubjectPublicKeyInfo, from `exportKey("spki")`). */
  spki: Uint8Array;
  /** Extensions. */
  extensions: readonly Extension[];
}

function name(n: { cn: string; o?: string }): Der {
  const rdns = [set(sequence(oid("2.5.4.3"), utf8(n.cn)))];
  if (n.o) rdns.push(set(sequence(oid("2.5.4.10"), utf8(n.o))));
  return sequence(...rdns);
}

/**
 * Encodes, signs and returns a certificate (DER).
 *
 * @param fields The certificate's content.
 * @param signingKey The issuer's ECDSA P-256 private key (may be non-extractable).
 * @returns The certificate's DER.
 * @example
 * ```ts
 * import { signCertificate } from "./certificate.ts";
 * const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]) as CryptoKeyPair;
 * const spki = new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey));
 * const der = await signCertificate({
 *   serial: new Uint8Array([1]), issuer: { cn: "ca" }, subject: { cn: "ca" },
 *   notBefore: new Date(), notAfter: new Date(Date.now() + 1000), spki, extensions: [],
 * }, keys.privateKey);
 * console.assert(der[0] === 0x30);
 * ```
 */
export async function signCertificate(
  fields: CertificateFields,
  signingKey: CryptoKey,
): Promise<Der> {
  const extensions = fields.extensions.map((e) =>
    sequence(oid(e.oid), ...(e.critical ? [boolean(true)] : []), octetString(e.value))
  );
  const tbs = sequence(
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(fields.serial),
    ECDSA_SHA256,
    name(fields.issuer),
    sequence(time(fields.notBefore), time(fields.notAfter)),
    name(fields.subject),
    fields.spki,
    explicit(3, sequence(...extensions)),
  );
  const p1363 = new Uint8Array(
    await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, signingKey, tbs),
  );
  return sequence(tbs, ECDSA_SHA256, bitString(p1363ToDer(p1363)));
}

/**
 * The SHA-1 of a SubjectPublicKeyInfo's key bits (RFC 5280 §4.2.1.2 method 1): the key
 * identifier of subject and authority key identifier extensions.
 *
 * @param spki DER SubjectPublicKeyInfo of an EC P-256 key (the key bits are its last 65 bytes).
 * @returns 20 bytes.
 */
export async function keyIdentifier(spki: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-1", spki.slice(spki.length - 65)));
}

/**
 * PEM of DER bytes.
 *
 * @param label `CERTIFICATE`, `PRIVATE KEY`.
 * @param der The bytes.
 * @returns The PEM text, with a final newline.
 */
export function pem(label: string, der: Uint8Array): string {
  let bin = "";
  for (const b of der) bin += String.fromCharCode(b);
  const b64 = btoa(bin).match(/.{1,64}/g)!.join("\n");
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
