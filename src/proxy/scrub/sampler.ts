/**
 * A cheap proof that a chunk holds no form of a secret, so that most chunks of a response
 * are never decoded or searched. Every `step`-th position of the chunk is sampled, and the
 * 8 bytes there are looked up in a bitmap of the hashes of every 8 bytes of every form.
 *
 * Why no occurrence is missed: let a form of length L ≥ `minLength` start at p and end
 * inside the chunk. The first sampled position q ≥ p has q − p < step, where
 * `step = minLength − GRAM + 1`, so q + GRAM ≤ p + minLength ≤ p + L: the 8 bytes at q lie
 * inside the form, they are one of its 8-grams, and their hash is set in the bitmap. So a
 * chunk whose samples all miss the bitmap holds no whole form. A hit proves nothing (hashes
 * collide): the caller then searches the chunk in full.
 *
 * @module
 */

/** Bytes per sample. */
const GRAM = 8;
/** The bitmap has 2^TABLE_BITS bits (128 KiB). */
const TABLE_BITS = 20;
/** Forms shorter than this sample too densely to beat a full search: no sampler. */
const MIN_SAMPLED_FORM = 24;

/** The sampler of one secret's forms. */
export interface FormSampler {
  /** Distance between sampled positions. */
  step: number;
  /** Bit h is set when some 8-gram of some form hashes to h. */
  table: Uint32Array;
}

function gramHash(bytes: Uint8Array, at: number): number {
  const lo = bytes[at]! | bytes[at + 1]! << 8 | bytes[at + 2]! << 16 | bytes[at + 3]! << 24;
  const hi = bytes[at + 4]! | bytes[at + 5]! << 8 | bytes[at + 6]! << 16 | bytes[at + 7]! << 24;
  return (Math.imul(lo, 0x9e3779b1) ^ Math.imul(hi ^ (lo >>> 15), 0x85ebca77)) >>>
    (32 - TABLE_BITS);
}

/**
 * Builds the sampler of a secret's forms.
 *
 * @param forms The bytes of each form.
 * @returns The sampler, or undefined when a form is too short to sample.
 * @example
 * ```ts
 * import { formSampler, mayHoldForm } from "./sampler.ts";
 * const enc = new TextEncoder();
 * const s = formSampler([enc.encode("sk-real-0123456789abcdefghij")])!;
 * console.assert(mayHoldForm(s, enc.encode("x".repeat(50) + "sk-real-0123456789abcdefghij")));
 * console.assert(!mayHoldForm(s, enc.encode("y".repeat(5000))));
 * ```
 */
export function formSampler(forms: readonly Uint8Array[]): FormSampler | undefined {
  const minLength = Math.min(...forms.map((f) => f.length));
  if (forms.length === 0 || minLength < MIN_SAMPLED_FORM) return undefined;
  const table = new Uint32Array(2 ** TABLE_BITS / 32);
  for (const form of forms) {
    for (let at = 0; at + GRAM <= form.length; at++) {
      const h = gramHash(form, at);
      table[h >>> 5]! |= 1 << (h & 31);
    }
  }
  return { step: minLength - GRAM + 1, table };
}

/**
 * Whether `bytes` may hold a whole form (false: it certainly holds none).
 *
 * @param sampler The secret's sampler.
 * @param bytes The chunk.
 * @returns False when no sample hits the bitmap.
 * @example
 * ```ts
 * import { formSampler, mayHoldForm } from "./sampler.ts";
 * const s = formSampler([new TextEncoder().encode("c2stcmVhbC0wMTIzNDU2Nzg5YWJj")])!;
 * console.assert(!mayHoldForm(s, new Uint8Array(16384)));
 * ```
 */
export function mayHoldForm(sampler: FormSampler, bytes: Uint8Array): boolean {
  const { step, table } = sampler;
  for (let q = 0; q + GRAM <= bytes.length; q += step) {
    const h = gramHash(bytes, q);
    if ((table[h >>> 5]! & (1 << (h & 31))) !== 0) return true;
  }
  return false;
}
