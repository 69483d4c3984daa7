/**
 * SHA-256 digests and the byte encodings bundles use (hex, standard base64), on
 * `@noble/hashes` (audited, dependency-free JavaScript) and the built-in `Uint8Array`
 * base64/hex methods, so the keyed path loads no `node:` module.
 *
 * The digest is synchronous on purpose: the files a launch hashes are small, and each
 * WebCrypto `digest()` is a round trip through Deno's blocking thread pool — ≈ 0.4 ms for a
 * few hundred bytes, and 4–5 ms now and then while the sandbox's helper starts beside it,
 * against ≈ 10 µs here.
 *
 * @module
 */

import { sha256 } from "@noble/hashes/sha2.js";

/**
 * The SHA-256 of `bytes`, as lowercase hex.
 *
 * @param bytes The data.
 * @returns 64 hex digits.
 * @example
 * ```ts
 * import { sha256Hex } from "./digest.ts";
 * const hex = sha256Hex(new TextEncoder().encode("abc"));
 * console.assert(hex.startsWith("ba7816bf"));
 * ```
 */
export function sha256Hex(bytes: Uint8Array): string {
  return sha256(bytes).toHex();
}

/**
 * Decodes standard base64 strictly (padding optional, no whitespace or other alphabet).
 *
 * @param text The base64 text.
 * @returns The bytes, or null when `text` is not base64.
 * @example
 * ```ts
 * import { fromBase64 } from "./digest.ts";
 * console.assert(fromBase64("aGk=")?.length === 2);
 * console.assert(fromBase64("not base64!") === null);
 * ```
 */
export function fromBase64(text: unknown): Uint8Array<ArrayBuffer> | null {
  if (typeof text !== "string") return null;
  try {
    return Uint8Array.fromBase64(text, { lastChunkHandling: "loose" });
  } catch {
    return null;
  }
}

/**
 * Encodes bytes as standard padded base64.
 *
 * @param bytes The bytes.
 * @returns The base64 text.
 */
export function toBase64(bytes: Uint8Array): string {
  return bytes.toBase64();
}

/** Whether `text` is 64 lowercase hex digits (a SHA-256 in hex). */
export function isSha256Hex(text: unknown): text is string {
  return typeof text === "string" && /^[0-9a-f]{64}$/.test(text);
}
