/**
 * Replaces every form of a real credential in a response (see `secret_forms.ts`) by the
 * same form of the phantom token, across chunk boundaries: a chunk's tail that could be
 * the start of a form is held back until the next chunk (or the end) decides it. Only such
 * a tail is held, so a stream whose chunks end in `\n\n` (SSE) is never delayed.
 *
 * @module
 */

import { mayHoldForm } from "./sampler.ts";
import { BYTE_TEXT, type SecretForms } from "./secret_forms.ts";

/** Scrubs one stream. */
export class StreamScrubber {
  #forms: SecretForms;
  #carry: Uint8Array = new Uint8Array(0);
  /** Forms replaced so far. */
  hits = 0;

  /**
   * @param forms The compiled forms of the secret.
   */
  constructor(forms: SecretForms) {
    this.#forms = forms;
  }

  /**
   * Scrubs the next chunk.
   *
   * @param chunk Bytes from the upstream.
   * @returns Bytes safe to send (possibly empty: a tail is held back).
   * @example
   * ```ts
   * import { secretForms } from "./secret_forms.ts";
   * import { StreamScrubber } from "./scrubber.ts";
   * const enc = new TextEncoder();
   * const s = new StreamScrubber(secretForms(enc.encode("sk-real-0123456789"), "sk-phantom-xy"));
   * const out = new TextDecoder().decode(s.push(enc.encode("a sk-real-01234"))) +
   *   new TextDecoder().decode(s.push(enc.encode("56789 b"))) + new TextDecoder().decode(s.flush());
   * console.assert(out === "a sk-phantom-xy b" && s.hits === 1);
   * ```
   */
  push(chunk: Uint8Array): Uint8Array {
    const bytes = this.#carry.length === 0 ? chunk : concat(this.#carry, chunk);
    const sampler = this.#forms.sampler;
    // Most chunks hold no form, and sampling proves it without decoding them.
    const { out, end } = sampler && !mayHoldForm(sampler, bytes)
      ? { out: undefined, end: 0 }
      : this.#replace(bytes, textOf(this.#forms, bytes));
    const hold = this.#heldFrom(bytes, end);
    this.#carry = hold < bytes.length ? bytes.slice(hold) : new Uint8Array(0);
    if (out === undefined) return hold === bytes.length ? bytes : bytes.subarray(0, hold);
    return concat(out, bytes.subarray(end, hold));
  }

  /**
   * Ends the stream.
   *
   * @returns The held-back tail (it cannot hold a whole form).
   */
  flush(): Uint8Array {
    const rest = this.#carry;
    this.#carry = new Uint8Array(0);
    return rest;
  }

  /**
   * Replaces complete forms; returns the replaced prefix of the output (undefined when
   * nothing matched) and where in `bytes` it ends.
   */
  #replace(bytes: Uint8Array, text: string): { out: Uint8Array | undefined; end: number } {
    const matches = findForms(this.#forms, text);
    if (matches.length === 0) return { out: undefined, end: 0 };
    const parts: Uint8Array[] = [];
    let end = 0;
    for (const [index, form] of matches) {
      parts.push(bytes.subarray(end, index), this.#forms.replacements.get(form)!);
      end = index + form.length;
      this.hits++;
    }
    return { out: concat(...parts), end };
  }

  /** Where the held-back tail starts: the earliest index ≥ `from` that starts a form's prefix. */
  #heldFrom(bytes: Uint8Array, from: number): number {
    const { firstChar, formBytes, longest } = this.#forms;
    const length = bytes.length;
    // Only a tail shorter than a form can be its unfinished start.
    for (let i = Math.max(from, length - longest + 1); i < length; i++) {
      if (firstChar[bytes[i]!] === 0) continue;
      for (const form of formBytes) {
        if (form.length > length - i && startsWithTail(form, bytes, i)) return i;
      }
    }
    return length;
  }
}

/** Whether `bytes[at..]` (shorter than `form`) is the start of `form`. */
function startsWithTail(form: Uint8Array, bytes: Uint8Array, at: number): boolean {
  for (let j = at; j < bytes.length; j++) if (bytes[j] !== form[j - at]) return false;
  return true;
}

/**
 * Scrubs one whole text (a header value, a status text).
 *
 * @param forms The compiled forms of the secret.
 * @param text The text.
 * @returns The text with each form replaced, and how many were.
 * @example
 * ```ts
 * import { secretForms } from "./secret_forms.ts";
 * import { scrubText } from "./scrubber.ts";
 * const f = secretForms(new TextEncoder().encode("sk-real-0123456789"), "sk-phantom-xy");
 * console.assert(scrubText(f, "Bearer sk-real-0123456789").text === "Bearer sk-phantom-xy");
 * ```
 */
export function scrubText(forms: SecretForms, text: string): { text: string; hits: number } {
  // Header values are byte strings: compare them byte for byte as the bodies are.
  const bytes = isAscii(text)
    ? text
    : BYTE_TEXT.decode(Uint8Array.from(text, (c) => c.charCodeAt(0) & 0xff));
  let out = "";
  let end = 0;
  const matches = findForms(forms, bytes);
  for (const [index, form] of matches) {
    out += text.slice(end, index) + BYTE_TEXT.decode(forms.replacements.get(form)!);
    end = index + form.length;
  }
  const hits = matches.length;
  return hits === 0 ? { text, hits } : { text: out + text.slice(end), hits };
}

/**
 * The text of `bytes`, one char per byte. UTF-8 decoding is ~9× faster than the
 * single-byte decoder and maps byte for byte when the text keeps the bytes' length (each
 * byte gave one char: ASCII as itself, any other as U+FFFD, which no form of an ASCII
 * secret contains); otherwise, or for a secret that is not ASCII, the single-byte decoder.
 */
function textOf(forms: SecretForms, bytes: Uint8Array): string {
  if (forms.ascii) {
    const text = UTF8.decode(bytes);
    if (text.length === bytes.length) return text;
  }
  return BYTE_TEXT.decode(bytes);
}

const UTF8 = new TextDecoder();

/**
 * Every non-overlapping occurrence of a form, in order (at one index, the longest form).
 * One native `indexOf` per form: much faster than one regular expression of them all.
 */
function findForms(forms: SecretForms, text: string): [number, string][] {
  let found: [number, string][] | undefined;
  // A single-char search is much cheaper than a form's: skip the percent-encoded forms
  // of a text without a `%`.
  const percent = text.includes("%");
  for (const form of forms.forms) {
    if (!percent && form.charCodeAt(0) === 0x25 && form.length >= 3) continue;
    for (let i = text.indexOf(form); i >= 0; i = text.indexOf(form, i + form.length)) {
      (found ??= []).push([i, form]);
    }
  }
  if (found === undefined) return [];
  if (found.length === 1) return found;
  // Longest first at equal index (forms are listed longest first and the sort is stable).
  found.sort((a, b) => a[0] - b[0]);
  const out: [number, string][] = [];
  let end = 0;
  for (const m of found) {
    if (m[0] < end) continue;
    out.push(m);
    end = m[0] + m[1].length;
  }
  return out;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
