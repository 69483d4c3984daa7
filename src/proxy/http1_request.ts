/**
 * Writing an HTTP/1.1 request (RFC 9112): the head, with the proxy choosing the framing
 * (`Transfer-Encoding: chunked` for a streamed body, `Content-Length: 0` for an empty
 * one), and the body as chunks as they arrive, never buffered whole. A body keeps its
 * first 64 KiB so that a request sent on a keep-alive connection the server had just
 * closed can be sent again on a new one.
 *
 * @module
 */

import type { BufferedConn } from "./http1_conn.ts";

/** Fields the client sets itself (framing, connection) and never copies. */
const OWN_FIELDS = new Set(["host", "connection", "content-length", "transfer-encoding", "expect"]);

/** Content codings the upstream client decodes (`upstream_client.ts`). */
export const ACCEPTED_ENCODINGS = "gzip, deflate, br";

const enc = new TextEncoder();

/**
 * Encodes a head as ISO-8859-1 bytes (header values are byte strings).
 *
 * @param text The head.
 * @returns Its bytes.
 */
export function latin1Bytes(text: string): Uint8Array {
  let plain = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) >= 0x80) {
      plain = false;
      break;
    }
  }
  if (plain) return enc.encode(text);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/**
 * Serialises a request head.
 *
 * @param method The method.
 * @param url The target (its host becomes `Host`).
 * @param headers The fields to send (host, connection and framing fields are ignored).
 * @param hasBody Whether a (chunked) body follows.
 * @returns The head's bytes, final CRLF included.
 * @example
 * ```ts
 * import { requestHead } from "./http1_request.ts";
 * const head = new TextDecoder().decode(
 *   requestHead("POST", new URL("https://api.example.com/v1/x?a=1"), new Headers({ "x-k": "v" }), true),
 * );
 * console.assert(head.startsWith("POST /v1/x?a=1 HTTP/1.1\r\nhost: api.example.com\r\n"));
 * console.assert(head.includes("transfer-encoding: chunked\r\n") && head.endsWith("\r\n\r\n"));
 * ```
 */
export function requestHead(
  method: string,
  url: URL,
  headers: Headers,
  hasBody: boolean,
): Uint8Array {
  let head = `${method} ${url.pathname || "/"}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
  for (const [name, value] of headers) {
    if (!OWN_FIELDS.has(name)) head += `${name}: ${value}\r\n`;
  }
  if (!headers.has("accept-encoding")) head += `accept-encoding: ${ACCEPTED_ENCODINGS}\r\n`;
  if (hasBody) head += "transfer-encoding: chunked\r\n";
  else if (method === "POST" || method === "PUT" || method === "PATCH") {
    head += "content-length: 0\r\n";
  }
  return latin1Bytes(head + "\r\n");
}

/** Bytes of a request body kept for a resend. */
const REPLAY_BYTES = 64 * 1024;

/** A request body read once, its first {@linkcode REPLAY_BYTES} kept for a resend. */
export class RequestBody {
  #next: () => Promise<Uint8Array | null>;
  #cancel: (reason?: unknown) => Promise<void>;
  #kept: Uint8Array[] | null = [];
  #keptBytes = 0;
  /** True once the whole body was read. */
  complete = false;

  /**
   * @param body The body: a stream, bytes or text.
   * @throws {TypeError} For other body types.
   */
  constructor(body: ReadableStream<Uint8Array> | Uint8Array | string) {
    if (body instanceof ReadableStream) {
      const reader = body.getReader();
      this.#next = async () => {
        const { done, value } = await reader.read();
        return done ? null : value;
      };
      this.#cancel = (reason) => reader.cancel(reason);
      return;
    }
    if (typeof body !== "string" && !(body instanceof Uint8Array)) {
      throw new TypeError("Cannot send the request body: unsupported body type");
    }
    let bytes: Uint8Array | null = typeof body === "string" ? enc.encode(body) : body;
    this.#next = () => {
      const out = bytes;
      bytes = null;
      return Promise.resolve(out);
    };
    this.#cancel = () => Promise.resolve();
  }

  /** Whether the body can be sent again (read completely and small enough). */
  get replayable(): boolean {
    return this.complete && this.#kept !== null;
  }

  /**
   * Returns a reader over the body: the first call reads the source, later calls (for
   * a resend) replay the kept bytes.
   *
   * @returns A function giving the next chunk, or null at the end.
   */
  reader(): () => Promise<Uint8Array | null> {
    if (this.complete) {
      const kept = this.#kept ?? [];
      let i = 0;
      return () => Promise.resolve(kept[i++] ?? null);
    }
    return async () => {
      const chunk = await this.#next();
      if (chunk === null) {
        this.complete = true;
        return null;
      }
      if (this.#kept) {
        this.#keptBytes += chunk.length;
        if (this.#keptBytes <= REPLAY_BYTES) this.#kept.push(chunk);
        else this.#kept = null;
      }
      return chunk;
    };
  }

  /** Drops the kept bytes (no resend will happen). */
  forget(): void {
    this.#kept = null;
  }

  /**
   * Cancels the source (the upstream request failed).
   *
   * @param reason Why.
   */
  cancel(reason?: unknown): void {
    if (!this.complete) this.#cancel(reason).catch(() => {});
  }
}

const LAST_CHUNK = enc.encode("0\r\n\r\n");

/**
 * Sends a body with chunked transfer coding, one write per chunk.
 *
 * @param bc The connection.
 * @param next Gives the next chunk, or null at the end.
 * @returns Bytes of body sent.
 */
export async function writeChunkedBody(
  bc: BufferedConn,
  next: () => Promise<Uint8Array | null>,
): Promise<number> {
  let total = 0;
  // One frame buffer per body, reused for every chunk that fits (writes are sequential).
  let frame = new Uint8Array(0);
  for (;;) {
    const chunk = await next();
    if (chunk === null) break;
    if (chunk.length === 0) continue;
    const needed = chunk.length + 18; // up to 14 hex digits, two CRLFs
    if (frame.length < needed) frame = new Uint8Array(Math.max(needed, 4096));
    let at = 0;
    const hex = chunk.length.toString(16);
    for (let i = 0; i < hex.length; i++) frame[at++] = hex.charCodeAt(i);
    frame[at++] = 13;
    frame[at++] = 10;
    frame.set(chunk, at);
    at += chunk.length;
    frame[at++] = 13;
    frame[at++] = 10;
    await bc.writeAll(frame.subarray(0, at));
    total += chunk.length;
  }
  await bc.writeAll(LAST_CHUNK);
  return total;
}
