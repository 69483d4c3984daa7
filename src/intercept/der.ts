/**
 * The few DER encodings an X.509 certificate needs (ITU-T X.690): enough for the session
 * CA and its leaves, nothing more. Each function returns the complete TLV as bytes.
 *
 * @module
 */

/** Bytes of a DER value. */
export type Der = Uint8Array<ArrayBuffer>;

function lengthOctets(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}

/**
 * One TLV.
 *
 * @param tag The identifier octet.
 * @param parts The contents, concatenated.
 * @returns The encoding.
 * @example
 * ```ts
 * import { tlv } from "./der.ts";
 * console.assert(tlv(0x04, new Uint8Array([1, 2]))[1] === 2);
 * ```
 */
export function tlv(tag: number, ...parts: readonly Uint8Array[]): Der {
  const size = parts.reduce((n, p) => n + p.length, 0);
  const head = [tag, ...lengthOctets(size)];
  const out = new Uint8Array(head.length + size);
  out.set(head);
  let at = head.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `SEQUENCE`. */
export const sequence = (...parts: readonly Uint8Array[]): Der => tlv(0x30, ...parts);

/** `SET`. */
export const set = (...parts: readonly Uint8Array[]): Der => tlv(0x31, ...parts);

/** A context-specific constructed tag `[n]` (explicit). */
export const explicit = (n: number, ...parts: readonly Uint8Array[]): Der =>
  tlv(0xa0 | n, ...parts);

/** `BOOLEAN`. */
export const boolean = (value: boolean): Der => tlv(0x01, new Uint8Array([value ? 0xff : 0]));

/** `OCTET STRING`. */
export const octetString = (bytes: Uint8Array): Der => tlv(0x04, bytes);

/** `BIT STRING` with no unused bits. */
export const bitString = (bytes: Uint8Array): Der => tlv(0x03, new Uint8Array([0]), bytes);

/** `UTF8String`. */
export const utf8 = (text: string): Der => tlv(0x0c, new TextEncoder().encode(text));

/**
 * A non-negative `INTEGER` from big-endian bytes (leading zeros dropped, a zero added when
 * the top bit is set).
 *
 * @param bytes The magnitude.
 * @returns The encoding.
 */
export function unsignedInteger(bytes: Uint8Array): Der {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const body = bytes.subarray(start);
  return (body[0]! & 0x80) ? tlv(0x02, new Uint8Array([0]), body) : tlv(0x02, body);
}

/** A small non-negative `INTEGER`. */
export const smallInteger = (n: number): Der => unsignedInteger(new Uint8Array([n]));

/**
 * An `OBJECT IDENTIFIER` from its dotted form.
 *
 * @param dotted `1.2.840.10045.4.3.2`.
 * @returns The encoding.
 */
export function oid(dotted: string): Der {
  const arcs = dotted.split(".").map(Number);
  const out: number[] = [arcs[0]! * 40 + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const groups: number[] = [];
    let v = arc;
    do {
      groups.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < groups.length - 1; i++) groups[i]! |= 0x80;
    out.push(...groups);
  }
  return tlv(0x06, new Uint8Array(out));
}

/**
 * A time as X.509 wants it: `UTCTime` through 2049, `GeneralizedTime` from 2050.
 *
 * @param date The time (seconds precision).
 * @returns The encoding.
 */
export function time(date: Date): Der {
  const iso = date.toISOString(); // 2026-12-04T22:31:00.000Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, "") + "Z"; // 20261204223100Z
  const year = date.getUTCFullYear();
  return year < 2050
    ? tlv(0x17, new TextEncoder().encode(digits.slice(2)))
    : tlv(0x18, new TextEncoder().encode(digits));
}
