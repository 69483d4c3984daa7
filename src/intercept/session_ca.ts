/**
 * The session CA of TLS interception: an ECDSA P-256 key made with WebCrypto as
 * non-extractable (it never leaves this process's memory, not even as PEM), a
 * self-signed certificate with `CA:true, pathlen 0` (critical), key usage `keyCertSign`
 * only, name constraints permitting only the intercepted hosts, valid for the session (at
 * most seven days). It mints one leaf certificate per host on request.
 *
 * @module
 */

import { type Extension, keyIdentifier, pem, signCertificate } from "./certificate.ts";
import { octetString, oid, sequence, smallInteger, tlv } from "./der.ts";
import { permittedDnsNames } from "./name_constraints.ts";

const ALG = { name: "ECDSA", namedCurve: "P-256" } as const;

/** Longest validity of a session CA. */
export const MAX_CA_VALIDITY_MS = 7 * 24 * 3600 * 1000;

const encoder = new TextEncoder();

/** OID of TLS server authentication (extended key usage). */
const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

/** `basicConstraints` (critical): `CA:true, pathlen:0`, or `CA:false`. */
function basicConstraints(ca: boolean): Extension {
  const value = ca ? sequence(tlv(0x01, new Uint8Array([0xff])), smallInteger(0)) : sequence();
  return { oid: "2.5.29.19", critical: true, value };
}

/** `keyUsage` (critical): `keyCertSign` (bit 5) for the CA, `digitalSignature` (bit 0) for leaves. */
function keyUsage(ca: boolean): Extension {
  const bits = ca ? new Uint8Array([2, 0x04]) : new Uint8Array([7, 0x80]);
  return { oid: "2.5.29.15", critical: true, value: tlv(0x03, bits) };
}

/** A leaf certificate and its key, as PEM for `tls.createSecureContext`. */
export interface Leaf {
  /** The host it names (subject alternative name). */
  host: string;
  /** Certificate PEM. */
  certPem: string;
  /** PKCS#8 private key PEM (the leaf's own key, not the CA's). */
  keyPem: string;
}

/** A session CA. */
export interface SessionCa {
  /** The CA certificate, PEM (what clients are told to trust). */
  certPem: string;
  /** When it stops being valid. */
  notAfter: Date;
  /** The hosts it may vouch for. */
  hosts: readonly string[];
  /**
   * Mints a leaf for a host the CA may vouch for.
   * @throws {Error} For any other host.
   */
  mintLeaf(host: string): Promise<Leaf>;
}

/** A random positive 128-bit serial number. */
function serial(): Uint8Array {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0]! = (bytes[0]! & 0x7f) | 0x01; // positive, and not shortened by a leading zero
  return bytes;
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Creates a session CA.
 *
 * @param hosts The hosts to intercept (lower case).
 * @param validityMs How long it is valid (capped at {@linkcode MAX_CA_VALIDITY_MS}).
 * @returns The CA.
 * @example
 * ```ts
 * import { createSessionCa } from "./session_ca.ts";
 * const ca = await createSessionCa(["api.openai.com"], 3600_000);
 * const leaf = await ca.mintLeaf("api.openai.com");
 * console.assert(ca.certPem.includes("BEGIN CERTIFICATE") && leaf.keyPem.includes("PRIVATE KEY"));
 * ```
 */
export async function createSessionCa(
  hosts: readonly string[],
  validityMs = MAX_CA_VALIDITY_MS,
): Promise<SessionCa> {
  const allowed = [...new Set(hosts.map((h) => h.toLowerCase()))];
  // Not extractable: the private key can sign, and nothing can export it.
  const keys = await crypto.subtle.generateKey(ALG, false, ["sign", "verify"]) as CryptoKeyPair;
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey));
  const keyId = await keyIdentifier(spki);
  const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000); // clock skew
  const notAfter = new Date(
    notBefore.getTime() + 60_000 + Math.min(validityMs, MAX_CA_VALIDITY_MS),
  );
  const issuer = { cn: `airlock session CA ${hex(serial()).slice(0, 8)}`, o: "airlock" };
  const caDer = await signCertificate({
    serial: serial(),
    issuer,
    subject: issuer,
    notBefore,
    notAfter,
    spki,
    extensions: [
      basicConstraints(true),
      keyUsage(true),
      { oid: "2.5.29.30", critical: true, value: permittedDnsNames(allowed) },
      { oid: "2.5.29.14", critical: false, value: octetString(keyId) },
    ],
  }, keys.privateKey);
  const authorityKey: Extension = {
    oid: "2.5.29.35",
    critical: false,
    value: sequence(tlv(0x80, keyId)),
  };
  return {
    certPem: pem("CERTIFICATE", caDer),
    notAfter,
    hosts: allowed,
    async mintLeaf(host) {
      const h = host.toLowerCase();
      if (!allowed.includes(h)) throw new Error(`the session CA does not vouch for ${host}`);
      const leafKeys = await crypto.subtle.generateKey(ALG, true, [
        "sign",
        "verify",
      ]) as CryptoKeyPair;
      const leafSpki = new Uint8Array(await crypto.subtle.exportKey("spki", leafKeys.publicKey));
      const der = await signCertificate({
        serial: serial(),
        issuer,
        subject: { cn: h },
        notBefore,
        notAfter,
        spki: leafSpki,
        extensions: [
          basicConstraints(false),
          keyUsage(false),
          { oid: "2.5.29.37", critical: false, value: sequence(oid(SERVER_AUTH)) },
          { oid: "2.5.29.17", critical: false, value: sequence(tlv(0x82, encoder.encode(h))) },
          authorityKey,
        ],
      }, keys.privateKey);
      const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", leafKeys.privateKey));
      return { host: h, certPem: pem("CERTIFICATE", der), keyPem: pem("PRIVATE KEY", pkcs8) };
    },
  };
}
