/**
 * The one request-head parser every connection's first request goes through at the
 * front, whichever way in it takes (base URL, CONNECT, plain HTTP proxy): the request
 * line and header fields checked as RFC 9112 §2–§6 and RFC 9110 §5 say, with
 * {@linkcode parseOriginForm}, {@linkcode parseAuthority} and {@linkcode parseAbsoluteForm}
 * for the target. Anything else is refused with 400 before a byte reaches an internal
 * server. The requests that follow on a connection are framed by the HTTP libraries
 * behind the front (`Deno.serve` for the base URLs, `node:http` for proxy-form traffic,
 * including the CONNECT that answers a 407), and their targets go through the same
 * validators there.
 *
 * Refused: a request line not exactly `method SP target SP HTTP/1.x`; a method that is not
 * a token; a target not of the form its method needs; bare CR or LF; obs-fold; whitespace
 * before a field's colon; a field name that is not a token; a field value with CR, LF,
 * NUL or other controls; no `Host`, or more than one, or a malformed one (HTTP/1.1);
 * `Content-Length` with `Transfer-Encoding`, several differing `Content-Length`s or a
 * non-numeric one; a `Transfer-Encoding` other than `chunked` (or any in HTTP/1.0).
 *
 * @module
 */

import {
  type AbsoluteTarget,
  type Authority,
  isFieldValue,
  isToken,
  type OriginTarget,
  parseAbsoluteForm,
  parseAuthority,
  parseOriginForm,
  TargetError,
} from "./request_target.ts";

/** A parsed, valid request head. */
export interface RequestHead {
  /** The method. */
  method: string;
  /** The request target as sent. */
  target: string;
  /** `HTTP/1.1` or `HTTP/1.0`. */
  version: string;
  /** Header fields in order, names lower-case, values trimmed. */
  headers: [string, string][];
  /** Which server takes it: `reverse` (origin-form, `*`) or `egress` (CONNECT, absolute-form). */
  kind: "reverse" | "egress";
  /** The parsed target. */
  form:
    | ({ type: "origin" } & OriginTarget)
    | ({ type: "authority" } & Authority)
    | ({ type: "absolute" } & AbsoluteTarget)
    | { type: "asterisk" };
}

function fail(reason: string): never {
  throw new TargetError(reason);
}

/**
 * Parses and validates a request head.
 *
 * @param head The head's bytes, without the final CRLF CRLF.
 * @returns The parsed head.
 * @throws {TargetError} When the head is malformed (answer 400).
 * @example
 * ```ts
 * import { parseRequestHead } from "./request_head.ts";
 * const enc = new TextEncoder();
 * const h = parseRequestHead(enc.encode("CONNECT a.test:443 HTTP/1.1\r\nHost: a.test:443"));
 * console.assert(h.kind === "egress" && h.form.type === "authority");
 * try {
 *   parseRequestHead(enc.encode("GET / HTTP/1.1\r\nHost: x\r\nX: a\x1bb"));
 *   console.assert(false);
 * } catch { /* 400 *\/ }
 * ```
 */
export function parseRequestHead(head: Uint8Array): RequestHead {
  const text = new TextDecoder("latin1").decode(head);
  const lines = text.split("\r\n");
  for (const line of lines) {
    if (line.includes("\r") || line.includes("\n")) fail("bare CR or LF in head");
  }
  const requestLine = lines[0] ?? "";
  const sp1 = requestLine.indexOf(" ");
  const sp2 = requestLine.indexOf(" ", sp1 + 1);
  if (sp1 <= 0 || sp2 < 0 || requestLine.indexOf(" ", sp2 + 1) >= 0) {
    fail("malformed request line");
  }
  const method = requestLine.slice(0, sp1);
  const target = requestLine.slice(sp1 + 1, sp2);
  const version = requestLine.slice(sp2 + 1);
  if (!isToken(method)) fail("malformed method");
  if (version !== "HTTP/1.1" && version !== "HTTP/1.0") fail("unsupported HTTP version");
  if (target.length === 0) fail("empty request target");

  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    if (line.length === 0) fail("empty line inside head");
    if (line[0] === " " || line[0] === "\t") fail("obs-fold in head");
    const colon = line.indexOf(":");
    if (colon <= 0) fail("header line without a name");
    const name = line.slice(0, colon);
    if (!isToken(name)) fail("malformed header name");
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (!isFieldValue(value)) fail("control character in header value");
    headers.push([name.toLowerCase(), value]);
  }
  checkFraming(headers, version);

  let form: RequestHead["form"];
  if (method === "CONNECT") {
    form = { type: "authority", ...parseAuthority(target) };
  } else if (target === "*") {
    if (method !== "OPTIONS") fail("asterisk-form outside OPTIONS");
    form = { type: "asterisk" };
  } else if (target[0] === "/") {
    form = { type: "origin", ...parseOriginForm(target) };
  } else {
    form = { type: "absolute", ...parseAbsoluteForm(target) };
  }
  const hosts = headers.filter(([n]) => n === "host");
  if (version === "HTTP/1.1" && hosts.length !== 1) fail("not exactly one Host header");
  if (hosts.length > 1) fail("several Host headers");
  if (hosts[0] && !(hosts[0][1] === "" && version === "HTTP/1.0")) {
    parseAuthority(hosts[0][1], 1);
  }
  const kind = form.type === "origin" || form.type === "asterisk" ? "reverse" : "egress";
  return { method, target, version, headers, kind, form };
}

function checkFraming(headers: [string, string][], version: string): void {
  const lengths = headers.filter(([n]) => n === "content-length").map(([, v]) => v);
  const codings = headers.filter(([n]) => n === "transfer-encoding").map(([, v]) => v);
  if (codings.length > 0) {
    if (lengths.length > 0) fail("both Content-Length and Transfer-Encoding");
    if (version === "HTTP/1.0") fail("Transfer-Encoding in HTTP/1.0");
    if (codings.length !== 1 || codings[0]!.toLowerCase() !== "chunked") {
      fail("Transfer-Encoding other than chunked");
    }
  }
  const values = new Set(
    lengths.flatMap((v) => v.split(",")).map((v) => v.replace(/^[ \t]+|[ \t]+$/g, "")),
  );
  if (values.size > 1) fail("differing Content-Length values");
  for (const v of values) {
    if (v.length === 0 || v.length > 15) fail("malformed Content-Length");
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      if (c < 0x30 || c > 0x39) fail("malformed Content-Length");
    }
  }
}
