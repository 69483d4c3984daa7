/**
 * Reading an HTTP/1.1 response (RFC 9112) off a {@linkcode BufferedConn}: the head
 * (status line and fields, with a size limit), then the body as a stream framed by
 * `Transfer-Encoding: chunked`, `Content-Length` or the end of the connection.
 * Bodies are never buffered whole: each pull hands out what has arrived.
 *
 * @module
 */

import type { BufferedConn } from "./http1_conn.ts";
import { parseFields, ProtocolError, readHead, readLine } from "./http1_head.ts";

export { ProtocolError };

/** Largest response head accepted (bytes). */
export const MAX_RESPONSE_HEAD_BYTES = 64 * 1024;

/** How the body of a response ends. */
export type Framing =
  | { kind: "none" }
  | { kind: "length"; length: number }
  | { kind: "chunked" }
  | { kind: "close" };

/** A parsed response head. */
export interface ResponseHead {
  /** Status code. */
  status: number;
  /** Reason phrase. */
  statusText: string;
  /** Header fields. */
  headers: Headers;
  /** Whether the connection may carry another request after this response. */
  keepAlive: boolean;
  /** How the body ends (see {@linkcode bodyFraming}). */
  framing: Framing;
}

const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: (.*))?$/;

/**
 * Decides how a response body ends (RFC 9112 §6.3).
 *
 * @param method The request method.
 * @param status The response status.
 * @param headers The response fields.
 * @returns The framing, and whether it allows reusing the connection.
 * @throws {ProtocolError} On an invalid or conflicting Content-Length.
 * @example
 * ```ts
 * import { bodyFraming } from "./http1_response.ts";
 * const h = new Headers({ "content-length": "5" });
 * console.assert(bodyFraming("GET", 200, h).framing.kind === "length");
 * console.assert(bodyFraming("HEAD", 200, h).framing.kind === "none");
 * ```
 */
export function bodyFraming(
  method: string,
  status: number,
  headers: Headers,
): { framing: Framing; reusable: boolean } {
  if (method === "HEAD" || status === 204 || status === 304 || status < 200) {
    return { framing: { kind: "none" }, reusable: true };
  }
  const te = headers.get("transfer-encoding");
  if (te !== null) {
    const codings = te.split(",").map((s) => s.trim().toLowerCase());
    // With both, Transfer-Encoding wins and the connection must not be reused.
    const reusable = !headers.has("content-length");
    return codings.at(-1) === "chunked"
      ? { framing: { kind: "chunked" }, reusable }
      : { framing: { kind: "close" }, reusable: false };
  }
  const cl = headers.get("content-length");
  if (cl !== null) {
    const values = new Set(cl.split(",").map((s) => s.trim()));
    const [only] = values;
    if (values.size !== 1 || only === undefined || !/^\d{1,15}$/.test(only)) {
      throw new ProtocolError("Cannot read the upstream response: bad Content-Length");
    }
    const length = Number(only);
    return {
      framing: length === 0 ? { kind: "none" } : { kind: "length", length },
      reusable: true,
    };
  }
  return { framing: { kind: "close" }, reusable: false };
}

/**
 * Parses a response head from text (status line and fields, without the final CRLF).
 *
 * @param text The head.
 * @returns Version, status, reason and fields.
 * @throws {ProtocolError} When malformed.
 * @example
 * ```ts
 * import { parseResponseHead } from "./http1_response.ts";
 * const head = parseResponseHead("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-A: 1");
 * console.assert(head.status === 200 && head.headers.get("x-a") === "1");
 * ```
 */
export function parseResponseHead(
  text: string,
): { minor: number; status: number; statusText: string; headers: Headers } {
  const lines = text.split("\r\n");
  const m = STATUS_LINE.exec(lines[0] ?? "");
  if (!m) throw new ProtocolError("Cannot read the upstream response: bad status line");
  const headers = parseFields(lines);
  return { minor: Number(m[1]), status: Number(m[2]), statusText: m[3] ?? "", headers };
}

/**
 * Reads the next final response head (1xx interim responses are skipped).
 *
 * @param bc The connection.
 * @param method The request method (HEAD responses have no body).
 * @returns The head.
 * @throws {ProtocolError} When malformed, too large, or the connection ends first.
 */
export async function readResponseHead(bc: BufferedConn, method: string): Promise<ResponseHead> {
  for (;;) {
    let text: string | null;
    try {
      text = await readHead(bc, MAX_RESPONSE_HEAD_BYTES);
    } catch (err) {
      if (err instanceof RangeError) {
        throw new ProtocolError("Cannot read the upstream response: head too large");
      }
      throw err;
    }
    if (text === null) {
      throw new ProtocolError(
        "Cannot read the upstream response: connection closed before the response",
      );
    }
    const { minor, status, statusText, headers } = parseResponseHead(text);
    if (status === 101) {
      throw new ProtocolError("Cannot relay the upstream response: protocol switch");
    }
    if (status < 200) continue;
    const { framing, reusable } = bodyFraming(method, status, headers);
    const conn = (headers.get("connection") ?? "").toLowerCase();
    const keepAlive = reusable && minor === 1 && !/(^|,)\s*close\s*(,|$)/.test(conn);
    return { status, statusText, headers, keepAlive, framing };
  }
}

/**
 * Returns a body reader for a framing: each call gives the next piece (a fresh copy of
 * what has arrived, never more than the buffer holds), or null at the end.
 *
 * @param bc The connection.
 * @param framing How the body ends.
 * @returns A function returning the next piece.
 * @throws {ProtocolError} From the returned function, when the body is cut
 *   short or malformed.
 */
export function bodyReader(
  bc: BufferedConn,
  framing: Framing,
): () => Promise<Uint8Array | null> {
  switch (framing.kind) {
    case "none":
      return () => Promise.resolve(null);
    case "close":
      return async () => {
        if (bc.available === 0 && !await bc.fill()) return null;
        return bc.take(bc.available);
      };
    case "length": {
      let left = framing.length;
      return async () => {
        if (left === 0) return null;
        if (bc.available === 0 && !await bc.fill()) {
          throw new ProtocolError(
            "Cannot read the upstream body: connection closed mid-body",
          );
        }
        const piece = bc.take(left);
        left -= piece.length;
        return piece;
      };
    }
    case "chunked": {
      let left = 0; // bytes left in the current chunk
      let crlfDue = false; // the CRLF after a chunk's data (read lazily: no holding data back)
      let done = false;
      return async () => {
        if (done) return null;
        if (crlfDue) {
          if ((await readLine(bc)) !== "") {
            throw new ProtocolError("Cannot read the upstream body: bad chunk end");
          }
          crlfDue = false;
        }
        if (left === 0) {
          const line = await readLine(bc);
          const size = /^([0-9A-Fa-f]{1,12})[ \t]*(;.*)?$/.exec(line);
          if (!size?.[1]) {
            throw new ProtocolError("Cannot read the upstream body: bad chunk size");
          }
          left = parseInt(size[1], 16);
          if (left === 0) {
            while ((await readLine(bc)) !== "") { /* trailer fields are dropped */ }
            done = true;
            return null;
          }
        }
        if (bc.available === 0 && !await bc.fill()) {
          throw new ProtocolError(
            "Cannot read the upstream body: connection closed mid-body",
          );
        }
        const piece = bc.take(left);
        left -= piece.length;
        crlfDue = left === 0;
        return piece;
      };
    }
  }
}
