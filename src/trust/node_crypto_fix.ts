/**
 * The fix for a Deno `node:crypto` difference that breaks every keyless verification.
 *
 * Node's `crypto.verify(null, data, key, sig)` uses SHA-256 for an EC key when no
 * algorithm is given; Deno 2.9 throws "no default digest". `@sigstore/core` calls
 * `crypto.verify` without an algorithm for ECDSA signatures (certificate SCTs, Rekor v1
 * entries, DSSE signatures) and swallows the throw as "bad signature", so without this
 * fix every real bundle fails — silently. {@linkcode installNodeCryptoFix} wraps
 * `crypto.verify` on the shared `node:crypto` module object (the one `require("crypto")`
 * returns to the npm packages) so that a missing algorithm becomes `sha256` for EC keys;
 * every other call passes through unchanged.
 *
 * @module
 */

import crypto from "node:crypto";

const FIXED = Symbol.for("airlock.nodeCryptoVerifyFix");

type VerifyFn = typeof crypto.verify;

/**
 * Installs the fix (once; later calls do nothing).
 *
 * @example
 * ```ts
 * import { installNodeCryptoFix, nodeCryptoFixInstalled } from "./node_crypto_fix.ts";
 * installNodeCryptoFix();
 * console.assert(nodeCryptoFixInstalled());
 * ```
 */
export function installNodeCryptoFix(): void {
  if (nodeCryptoFixInstalled()) return;
  const original: VerifyFn = crypto.verify;
  const fixed = function verify(
    algorithm: string | null | undefined,
    data: NodeJS.ArrayBufferView,
    key: Parameters<VerifyFn>[2],
    signature: NodeJS.ArrayBufferView,
    callback?: (error: Error | null, result: boolean) => void,
  ): boolean | void {
    const digest = algorithm ?? (keyType(key) === "ec" ? "sha256" : algorithm);
    // deno-lint-ignore no-explicit-any
    return (original as any)(digest, data, key, signature, callback);
  };
  Object.defineProperty(fixed, FIXED, { value: true });
  (crypto as { verify: unknown }).verify = fixed;
}

/**
 * Whether `node:crypto`'s `verify` is the fixed one.
 *
 * @returns True once {@linkcode installNodeCryptoFix} has run.
 */
export function nodeCryptoFixInstalled(): boolean {
  return (crypto.verify as unknown as Record<symbol, unknown>)[FIXED] === true;
}

function keyType(key: unknown): string | undefined {
  if (key instanceof crypto.KeyObject) return key.asymmetricKeyType;
  try {
    return crypto.createPublicKey(key as crypto.KeyLike).asymmetricKeyType;
  } catch {
    return undefined;
  }
}
