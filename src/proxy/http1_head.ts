/**
 * HTTP/1.1 message heads and lines (RFC 9112), shared by the upstream client and the
 * front's server: finding and decoding a head off a {@linkcode BufferedConn}, parsing
 * field lines, reading CRLF-terminated lines (chunk sizes, trailers).
 *
 * @module
 */

import type { BufferedConn } from "./http1_conn.ts";

/** A malformed or unsupported HTTP/1.1 message. */
export class ProtocolError extends Error {
  /**
   * @param message What was wrong.
   */
  constructor(message: string) {
    super(message);
    this.name = "ProtocolError";
  }
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function indexOfCrlfCrlf(buf: Uint8Array, from: number, to: number): number {
  for (let i = from; i + 3 < to; i++) {
    if (buf[i + 3] !== 10) continue;
    if (buf[i] === 13 && buf[i + 1] === 10 && buf[i + 2] === 13) return i;
  }
  return -1;
}

const ascii = new TextDecoder();

/** Decodes bytes as ISO-8859-1 (header fields are bytes, not UTF-8). */
function latin1(bytes: Uint8Array): string {
  let plain = true;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i]! >= 0x80) {
      plain = false;
      break;
    }
  }
  if (plain) return ascii.decode(bytes);
  let out = "";
  for (let i = 0; i < bytes.length; i += 4096) {
    out += String.fromCharCode(...bytes.subarray(i, i + 4096));
  }
  return out;
}

/**
 * Reads the next head (start line and fields, without the final CRLFCRLF) and consumes
 * it.
 *
 * @param bc The connection.
 * @param limit Largest head size, in bytes.
 * @returns The head as text, or null when the connection ends before a byte of it.
 * @throws {RangeError} When the head is larger than `limit`.
 * @throws {ProtocolError} When the connection ends inside the head.
 */
export async function readHead(bc: BufferedConn, limit: number): Promise<string | null> {
  let scanned = 0; // bytes after start already scanned
  for (;;) {
    const end = indexOfCrlfCrlf(bc.buf, bc.start + Math.max(0, scanned - 3), bc.end);
    if (end >= 0) {
      if (end - bc.start > limit) throw new RangeError("Cannot read the head: too large");
      const text = latin1(bc.buf.subarray(bc.start, end));
      bc.start = end + 4;
      return text;
    }
    scanned = bc.available;
    if (scanned > limit) throw new RangeError("Cannot read the head: too large");
    if (!await bc.fill(limit + 4)) {
      if (bc.available === 0) return null;
      throw new ProtocolError("Cannot read the head: connection closed inside it");
    }
  }
}

/**
 * Parses field lines (`name: value`) into Headers.
 *
 * @param lines The head's lines; the first (start line) is skipped.
 * @returns The fields.
 * @throws {ProtocolError} On a malformed line or value.
 * @example
 * ```ts
 * import { parseFields } from "./http1_head.ts";
 * const h = parseFields(["GET / HTTP/1.1", "X-A:  1 ", "x-a: 2"]);
 * console.assert(h.get("x-a") === "1, 2");
 * ```
 */
export function parseFields(lines: readonly string[]): Headers {
  const headers = new Headers();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon) : "";
    if (!TOKEN.test(name)) throw new ProtocolError("Cannot read the head: bad field line");
    try {
      headers.append(name, line.slice(colon + 1).trim());
    } catch {
      throw new ProtocolError("Cannot read the head: bad field value");
    }
  }
  return headers;
}

/** Largest chunk-size line or trailer line accepted (bytes). */
const MAX_LINE = 4096;

/**
 * Reads one line (without its CRLF) and consumes it.
 *
 * @param bc The connection.
 * @returns The line.
 * @throws {ProtocolError} When too long or the connection ends first.
 */
export async function readLine(bc: BufferedConn): Promise<string> {
  for (;;) {
    const i = bc.buf.subarray(bc.start, bc.end).indexOf(10);
    if (i >= 0) {
      const lineEnd = bc.start + i;
      const cr = lineEnd > bc.start && bc.buf[lineEnd - 1] === 13 ? 1 : 0;
      const line = ascii.decode(bc.buf.subarray(bc.start, lineEnd - cr));
      bc.start = lineEnd + 1;
      return line;
    }
    if (bc.available > MAX_LINE) throw new ProtocolError("Cannot read the body: line too long");
    if (!await bc.fill()) {
      throw new ProtocolError("Cannot read the body: connection closed mid-body");
    }
  }
}
