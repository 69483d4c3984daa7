/**
 * Phantom tokens: per-session, per-route random strings shaped like a provider's keys,
 * worth nothing outside this session's proxy, and compared in constant time.
 *
 * @module
 */

import { timingSafeEqual } from "node:crypto";

/** Random bytes in every token: 32 bytes = 256 bits from the CSPRNG. */
export const TOKEN_RANDOM_BYTES = 32;

function base64url(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * Generates a phantom token: `prefix` followed by 256 random bits in base64url.
 *
 * @param prefix The provider-shaped prefix (`sk-proj-`, `sk-ant-api03-`, `AIza`).
 * @returns A fresh token.
 * @example Shaped like an OpenAI key
 * ```ts
 * import { generateToken } from "./tokens.ts";
 * const token = generateToken("sk-proj-");
 * console.assert(token.startsWith("sk-proj-") && token.length === 8 + 43);
 * ```
 */
export function generateToken(prefix: string): string {
  const bytes = new Uint8Array(TOKEN_RANDOM_BYTES);
  crypto.getRandomValues(bytes);
  return prefix + base64url(bytes);
}

const encoder = new TextEncoder();

/**
 * Compares a presented token with the expected one in constant time (for equal lengths;
 * a length mismatch is answered without comparing contents, which leaks only the length).
 *
 * @param presented The token the client sent, or null when it sent none.
 * @param expected The session's token.
 * @returns Whether they are equal.
 * @example
 * ```ts
 * import { tokensEqual } from "./tokens.ts";
 * console.assert(tokensEqual("abc", "abc"));
 * console.assert(!tokensEqual("abd", "abc") && !tokensEqual(null, "abc") && !tokensEqual("ab", "abc"));
 * ```
 */
export function tokensEqual(presented: string | null, expected: string): boolean {
  if (presented === null) return false;
  const a = encoder.encode(presented);
  const b = encoder.encode(expected);
  if (a.length !== b.length) {
    // Burn a comparison of the same cost so the two paths take similar time.
    timingSafeEqual(b, b);
    return false;
  }
  return timingSafeEqual(a, b);
}
