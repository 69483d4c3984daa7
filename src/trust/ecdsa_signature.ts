/**
 * ECDSA signature encodings: WebCrypto speaks IEEE P1363 (`r ‖ s`, fixed width), while
 * Sigstore bundles and `node:crypto` carry ASN.1 DER (`SEQUENCE { INTEGER r, INTEGER s }`).
 * Conversions are strict: a DER signature with trailing bytes, a long-form length, a
 * negative or non-minimal integer, or an integer wider than the curve is refused.
 *
 * @module
 */

/**
 * Converts a P1363 signature to DER.
 *
 * @param p1363 `r ‖ s`, each `size` bytes.
 * @returns The DER encoding.
 * @throws {RangeError} When the length is odd or zero.
 * @example
 * ```ts
 * import { derToP1363, p1363ToDer } from "./ecdsa_signature.ts";
 * const sig = new Uint8Array(64).fill(1);
 * console.assert(derToP1363(p1363ToDer(sig), 32)?.every((b, i) => b === sig[i]));
 * ```
 */
export function p1363ToDer(p1363: Uint8Array): Uint8Array<ArrayBuffer> {
  if (p1363.length === 0 || p1363.length % 2 !== 0) {
    throw new RangeError("Cannot encode signature: a P1363 signature has an even, non-zero length");
  }
  const half = p1363.length / 2;
  const r = derInteger(p1363.subarray(0, half));
  const s = derInteger(p1363.subarray(half));
  const body = r.length + s.length;
  if (body > 127) throw new RangeError("Cannot encode signature: it is too long");
  const out = new Uint8Array(2 + body);
  out[0] = 0x30;
  out[1] = body;
  out.set(r, 2);
  out.set(s, 2 + r.length);
  return out;
}

/**
 * Converts a DER signature to P1363 with `size`-byte halves.
 *
 * @param der The DER signature.
 * @param size Bytes per integer (32 for P-256).
 * @returns `r ‖ s`, or null when `der` is not a strict DER ECDSA signature of that size.
 */
export function derToP1363(der: Uint8Array, size: number): Uint8Array<ArrayBuffer> | null {
  if (der.length < 8 || der[0] !== 0x30 || der[1]! > 127 || der[1] !== der.length - 2) return null;
  const out = new Uint8Array(size * 2);
  let at = 2;
  for (let k = 0; k < 2; k++) {
    if (der[at] !== 0x02) return null;
    const len = der[at + 1]!;
    if (len === 0 || len > 127 || at + 2 + len > der.length) return null;
    let int = der.subarray(at + 2, at + 2 + len);
    if (int[0]! & 0x80) return null; // negative
    if (int.length > 1 && int[0] === 0 && !(int[1]! & 0x80)) return null; // not minimal
    if (int[0] === 0 && int.length > 1) int = int.subarray(1);
    if (int.length > size) return null;
    out.set(int, k * size + size - int.length);
    at += 2 + len;
  }
  return at === der.length ? out : null;
}

function derInteger(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  const pad = trimmed[0]! & 0x80 ? 1 : 0;
  const out = new Uint8Array(2 + pad + trimmed.length);
  out[0] = 0x02;
  out[1] = pad + trimmed.length;
  out.set(trimmed, 2 + pad);
  return out;
}
