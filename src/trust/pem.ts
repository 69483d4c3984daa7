/**
 * PEM armour for the keys airlock writes and reads: `PUBLIC KEY` (DER SubjectPublicKeyInfo)
 * and `PRIVATE KEY` (DER PKCS #8).
 *
 * @module
 */

import { fromBase64, toBase64 } from "./digest.ts";

/**
 * Wraps DER bytes in PEM armour with 64-character lines.
 *
 * @param label `PUBLIC KEY` or `PRIVATE KEY`.
 * @param der The DER bytes.
 * @returns The PEM text, ending in a newline.
 * @example
 * ```ts
 * import { fromPem, toPem } from "./pem.ts";
 * const pem = toPem("PUBLIC KEY", new Uint8Array([1, 2, 3]));
 * console.assert(fromPem("PUBLIC KEY", pem)?.length === 3);
 * ```
 */
export function toPem(label: string, der: Uint8Array): string {
  const lines = toBase64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/**
 * Unwraps the first PEM block with `label`.
 *
 * @param label The expected label.
 * @param text The PEM text.
 * @returns The DER bytes, or null when there is no such block or it is not base64.
 */
export function fromPem(label: string, text: string): Uint8Array<ArrayBuffer> | null {
  const re = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`);
  const body = re.exec(text)?.[1];
  if (body === undefined) return null;
  const bytes = fromBase64(body.replace(/\s+/g, ""));
  return bytes && bytes.length > 0 ? bytes : null;
}
