/**
 * The session CA of TLS interception: an ECDSA P-256 key made with WebCrypto as
 * non-extractable (it never leaves this process's memory, not even as PEM), a
 * self-signed certificate with `CA:true, pathlen 0` (critical), key usage `keyCertSign`
 * only, name constraints permitting only the intercepted hosts, valid for the session (at
 * most seven days). It mints one leaf certificate per host on request.
 *
 * @module
 */

import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { permittedDnsNames } from "./name_constraints.ts";

x509.cryptoProvider.set(crypto);

const ALG = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

/** Longest validity of a session CA. */
export const MAX_CA_VALIDITY_MS = 7 * 24 * 3600 * 1000;

/** OID of the name-constraints extension. */
const NAME_CONSTRAINTS = "2.5.29.30";

/** OID of TLS server authentication (extended key usage). */
const SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

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

function serial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0]! &= 0x7f; // a positive INTEGER
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = btoa(String.fromCharCode(...new Uint8Array(der)));
  return `-----BEGIN ${label}-----\n${b64.match(/.{1,64}/g)!.join("\n")}\n-----END ${label}-----\n`;
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
  const notBefore = new Date(Date.now() - 60_000); // a little clock skew inside the sandbox
  const notAfter = new Date(Date.now() + Math.min(validityMs, MAX_CA_VALIDITY_MS));
  const name = `CN=airlock session CA ${serial().slice(0, 8)}, O=airlock`;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name,
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      new x509.Extension(NAME_CONSTRAINTS, true, permittedDnsNames(allowed)),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const authorityKey = await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey);
  return {
    certPem: ca.toString("pem") + "\n",
    notAfter,
    hosts: allowed,
    async mintLeaf(host) {
      const h = host.toLowerCase();
      if (!allowed.includes(h)) throw new Error(`the session CA does not vouch for ${host}`);
      const leafKeys = await crypto.subtle.generateKey(ALG, true, [
        "sign",
        "verify",
      ]) as CryptoKeyPair;
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: serial(),
        subject: `CN=${h}`,
        issuer: ca.subject,
        notBefore,
        notAfter,
        signingKey: keys.privateKey,
        publicKey: leafKeys.publicKey,
        signingAlgorithm: ALG,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([SERVER_AUTH]),
          new x509.SubjectAlternativeNameExtension([{ type: "dns", value: h }]),
          authorityKey,
        ],
      });
      const pkcs8 = await crypto.subtle.exportKey("pkcs8", leafKeys.privateKey);
      return { host: h, certPem: cert.toString("pem") + "\n", keyPem: pem("PRIVATE KEY", pkcs8) };
    },
  };
}
