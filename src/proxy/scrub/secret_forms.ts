/**
 * The forms in which a real credential could come back in a response, and what each is
 * replaced with: the raw bytes, base64 (standard and URL-safe alphabets, at each of the
 * three alignments a secret can have inside a longer base64 text, as in an echoed
 * `Authorization: Basic` header), percent-encoding (`encodeURIComponent` and every byte as
 * `%XX`, upper and lower case). Each form of the secret is replaced by the same form of
 * the phantom token. (Hex is not searched for: no HTTP API hex-encodes a header it echoes,
 * and each form costs one more pass over every body.)
 *
 * Texts are compared as single-byte strings (`windows-1252`, one UTF-16 unit per byte), so
 * a match's index is its byte offset.
 *
 * @module
 */

import { type FormSampler, formSampler } from "./sampler.ts";

/** The single-byte decoder every scrubbed text goes through (one char per byte). */
export const BYTE_TEXT = new TextDecoder("latin1");

/** Forms shorter than this are not searched for (too likely to match by chance). */
export const MIN_FORM_LENGTH = 8;

/** The forms of one secret, compiled for searching. */
export interface SecretForms {
  /** Whether the secret is ASCII (then every form is). */
  ascii: boolean;
  /** Each form (as a byte string) and the bytes that replace it. */
  replacements: ReadonlyMap<string, Uint8Array>;
  /** Length of the longest form. */
  longest: number;
  /** `firstChar[c]` is 1 when some form starts with char code `c` (< 256). */
  firstChar: Uint8Array;
  /** The forms, longest first. */
  forms: readonly string[];
  /** The bytes of each of `forms`, in the same order. */
  formBytes: readonly Uint8Array[];
  /** Proves most chunks free of every form without searching them (none for short forms). */
  sampler: FormSampler | undefined;
}

const ascii = new TextEncoder();

function percentAll(bytes: Uint8Array, upper: boolean): string {
  let s = "";
  for (const b of bytes) s += "%" + b.toString(16).padStart(2, "0");
  return upper ? s.toUpperCase() : s;
}

function base64(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/=+$/, "");
}

/**
 * The base64 characters that depend on `bytes` alone when they start `offset` bytes into
 * a longer input (0, 1 or 2): the characters before and after mix in neighbouring bytes.
 */
function base64Fragment(bytes: Uint8Array, offset: number): string {
  const padded = new Uint8Array(offset + bytes.length);
  padded.set(bytes, offset);
  const text = base64(padded);
  return text.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
}

function uriComponent(bytes: Uint8Array): string | undefined {
  try {
    return encodeURIComponent(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
}

/** Each encoding, as a function of the bytes it encodes (same order for secret and token). */
function encodings(bytes: Uint8Array): (string | undefined)[] {
  const out: (string | undefined)[] = [BYTE_TEXT.decode(bytes)];
  for (let offset = 0; offset < 3; offset++) {
    const std = base64Fragment(bytes, offset);
    out.push(std, std.replaceAll("+", "-").replaceAll("/", "_"));
  }
  out.push(uriComponent(bytes));
  out.push(percentAll(bytes, true), percentAll(bytes, false));
  return out;
}

/**
 * Compiles the forms of `secret` and their replacements by the same forms of `token`.
 *
 * @param secret The real credential's bytes.
 * @param token The phantom token that replaces it.
 * @returns The compiled forms.
 * @example
 * ```ts
 * import { secretForms } from "./secret_forms.ts";
 * const f = secretForms(new TextEncoder().encode("sk-real-0123456789"), "sk-phantom-abcdef");
 * console.assert(f.replacements.has("sk-real-0123456789"));
 * console.assert(f.forms.some((form) => btoa("user:sk-real-0123456789").includes(form)));
 * ```
 */
export function secretForms(secret: Uint8Array, token: string): SecretForms {
  const secretForms = encodings(secret);
  const tokenForms = encodings(ascii.encode(token));
  const replacements = new Map<string, Uint8Array>();
  secretForms.forEach((form, i) => {
    if (form === undefined || replacements.has(form)) return;
    if (form.length < MIN_FORM_LENGTH && i !== 0) return;
    if (form.length === 0) return;
    replacements.set(form, ascii.encode(tokenForms[i] ?? token));
  });
  const forms = [...replacements.keys()].sort((a, b) => b.length - a.length);
  const firstChar = new Uint8Array(256);
  for (const form of forms) firstChar[form.charCodeAt(0) & 0xff] = 1;
  const formBytes = forms.map((form) => Uint8Array.from(form, (c) => c.charCodeAt(0)));
  return {
    ascii: secret.every((b) => b < 0x80),
    replacements,
    longest: forms[0]?.length ?? 0,
    firstChar,
    forms,
    formBytes,
    sampler: formSampler(formBytes),
  };
}
