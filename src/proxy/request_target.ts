/**
 * Request targets and host names checked as RFC 9112 §3.2 and RFC 3986 define them,
 * by scanning characters against the grammar's classes (no regular expressions): the
 * origin-form of the base-URL routes, the authority-form of CONNECT, the absolute-form of
 * plain HTTP proxying, and the `Host` header. Anything else is a 400.
 *
 * A route's path must also stay under the route: {@linkcode containedPath} refuses every
 * segment that is, or decodes (once, twice, any number of times) to, a dot segment, an
 * encoded control character or invalid UTF-8, counting `%2F` and `%5C` and backslashes as
 * separators, and `;params` as not part of the name (finding 4 of issue 10: an upstream
 * that decodes `%2F`, as nginx does, left the base path).
 *
 * @module
 */

/** Why a target was refused (a fixed vocabulary, safe for the audit log). */
export class TargetError extends Error {
  /**
   * @param reason What is wrong, e.g. `dot segment in path`.
   */
  constructor(reason: string) {
    super(reason);
    this.name = "TargetError";
  }
}

function table(chars: string): Uint8Array {
  const t = new Uint8Array(128);
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (const ch of chars) t[ch.charCodeAt(0)] = 1;
  return t;
}

/** tchar (RFC 9110 §5.6.2). */
const TCHAR = table("!#$%&'*+-.^_`|~");
/** pchar without pct-encoded (RFC 3986 §3.3: unreserved, sub-delims, ":", "@"), and "/". */
/** pchar without pct-encoded (RFC 3986 §3.3: unreserved, sub-delims, ":", "@"), and "/". */
const PCHAR_OR_SLASH = table("-._~!$&'()*+,;=:@/");
/** Query characters without pct-encoded: pchar, "/", "?". */
const QCHAR = table("-._~!$&'()*+,;=:@/?");
/** reg-name as host names are written: letters, digits, "-", ".", "_". */
const HOSTCHAR = table("-._");

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/**
 * Whether `text` is a token (RFC 9110 §5.6.2): a method or a field name.
 *
 * @param text The candidate.
 * @returns True for one or more tchar.
 * @example
 * ```ts
 * import { isToken } from "./request_target.ts";
 * console.assert(isToken("GET") && isToken("x-api-key") && !isToken("a b") && !isToken(""));
 * ```
 */
export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || !TCHAR[c]) return false;
  }
  return true;
}

/**
 * Whether a field value (already stripped of leading and trailing whitespace) is made
 * of VCHAR, SP, HTAB and obs-text only (RFC 9110 §5.5): no CR, LF, NUL or other controls.
 *
 * @param value The value, one character per byte.
 * @returns True when valid.
 * @example
 * ```ts
 * import { isFieldValue } from "./request_target.ts";
 * console.assert(isFieldValue("Bearer x") && !isFieldValue("a\r\nb") && !isFieldValue("a\x00"));
 * ```
 */
export function isFieldValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f || c > 0xff) return false;
  }
  return true;
}

function scan(text: string, from: number, to: number, allowed: Uint8Array): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25 /* % */) {
      if (i + 2 >= to) return false;
      if (!isHex(text.charCodeAt(i + 1)) || !isHex(text.charCodeAt(i + 2))) return false;
      i += 2;
    } else if (c >= 128 || !allowed[c]) {
      return false;
    }
  }
  return true;
}

/** An origin-form target split into its parts (as sent, validated). */
export interface OriginTarget {
  /** `/…`, percent-encoding kept. */
  path: string;
  /** After `?` (without it), or `""`. */
  query: string;
  /** Whether there was a `?`. */
  hasQuery: boolean;
}

/**
 * Parses an origin-form target (`absolute-path [ "?" query ]`).
 *
 * @param raw The target as sent.
 * @returns Its path and query.
 * @throws {TargetError} When it is not origin-form.
 * @example
 * ```ts
 * import { parseOriginForm } from "./request_target.ts";
 * console.assert(parseOriginForm("/v1/models?x=1").query === "x=1");
 * try { parseOriginForm("/a b"); console.assert(false); } catch { /* 400 *\/ }
 * ```
 */
export function parseOriginForm(raw: string): OriginTarget {
  if (raw.charCodeAt(0) !== 0x2f) throw new TargetError("target is not origin-form");
  const q = raw.indexOf("?");
  const end = q < 0 ? raw.length : q;
  if (!scan(raw, 0, end, PCHAR_OR_SLASH)) throw new TargetError("invalid character in path");
  if (q >= 0 && !scan(raw, q + 1, raw.length, QCHAR)) {
    throw new TargetError("invalid character in query");
  }
  return { path: raw.slice(0, end), query: q < 0 ? "" : raw.slice(q + 1), hasQuery: q >= 0 };
}

function decodeOnce(text: string): string | null {
  if (!text.includes("%")) return null;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25 && isHex(text.charCodeAt(i + 1)) && isHex(text.charCodeAt(i + 2))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(c);
    }
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    throw new TargetError("invalid percent-encoded UTF-8 in path");
  }
}

/**
 * Checks that a path cannot leave where it is put: no segment is, or decodes to, `.` or
 * `..` (with `%2F`, `%5C` and `\` counted as separators and `;params` stripped), and no
 * segment decodes to a control character or invalid UTF-8. The path itself is not
 * changed: the router, the upstream request and the audit record all use it as sent.
 *
 * @param path An origin-form path (see {@linkcode parseOriginForm}).
 * @returns The path.
 * @throws {TargetError} When a segment could escape, or decodes to a control character.
 * @example
 * ```ts
 * import { containedPath } from "./request_target.ts";
 * console.assert(containedPath("/gw/v1/a%2Fb") === "/gw/v1/a%2Fb");
 * for (const bad of ["/gw/..%2f..%2fx", "/gw/%2e%2e/x", "/gw/%252e%252e/x", "/gw/..;/x"]) {
 *   try { containedPath(bad); console.assert(false, bad); } catch { /* 400 *\/ }
 * }
 * ```
 */
export function containedPath(path: string): string {
  let text = path;
  for (let round = 0; round < 8; round++) {
    for (const part of text.split(/[/\\]/)) {
      const semi = part.indexOf(";");
      const name = semi < 0 ? part : part.slice(0, semi);
      if (name === "." || name === "..") throw new TargetError("dot segment in path");
    }
    if (round > 0) {
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c < 0x20 || c === 0x7f) throw new TargetError("encoded control character in path");
      }
    }
    const next = decodeOnce(text);
    if (next === null || next === text) return path;
    text = next;
  }
  throw new TargetError("path encoded too many times");
}

/** A host and port. */
export interface Authority {
  /** Lower-case, without brackets, without a trailing dot. */
  host: string;
  /** 1 to 65535. */
  port: number;
}

function parseHost(text: string): string {
  if (text.startsWith("[")) {
    if (!text.endsWith("]")) throw new TargetError("invalid host");
    const inner = text.slice(1, -1);
    for (let i = 0; i < inner.length; i++) {
      const c = inner.charCodeAt(i);
      if (!(isHex(c) || c === 0x3a || c === 0x2e)) throw new TargetError("invalid IPv6 host");
    }
    let canonical: string;
    try {
      canonical = new URL(`http://[${inner}]/`).hostname;
    } catch {
      throw new TargetError("invalid IPv6 host");
    }
    return canonical.slice(1, -1);
  }
  if (text.length === 0 || text.length > 254) throw new TargetError("invalid host");
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || !HOSTCHAR[c]) throw new TargetError("invalid host");
  }
  const host = text.toLowerCase();
  return host.endsWith(".") ? host.slice(0, -1) : host;
}

/**
 * Parses `host[:port]` (the authority-form of CONNECT, the `Host` header, the authority
 * of an absolute-form target): a DNS name (letters, digits, `-`, `_`, `.`), an IPv4
 * address or an IPv6 address in brackets, and a port of 1 to 65535.
 *
 * @param text The authority.
 * @param defaultPort The port when none is given, or undefined when one is required.
 * @returns The host and port.
 * @throws {TargetError} When malformed (userinfo, a path, percent-encoding, no port…).
 * @example
 * ```ts
 * import { parseAuthority } from "./request_target.ts";
 * console.assert(parseAuthority("API.example.com:443").host === "api.example.com");
 * console.assert(parseAuthority("[::1]:8443").host === "::1");
 * console.assert(parseAuthority("example.com", 80).port === 80);
 * for (const bad of ["x/y:1", "a@b:1", "h:0", "h:", "h:99999", "h%2e:1"]) {
 *   try { parseAuthority(bad); console.assert(false, bad); } catch { /* 400 *\/ }
 * }
 * ```
 */
export function parseAuthority(text: string, defaultPort?: number): Authority {
  const close = text.lastIndexOf("]");
  const colon = text.lastIndexOf(":");
  const hasPort = colon > close;
  if (!hasPort && defaultPort === undefined) throw new TargetError("missing port");
  const hostText = hasPort ? text.slice(0, colon) : text;
  const portText = hasPort ? text.slice(colon + 1) : "";
  let port = defaultPort ?? 0;
  if (hasPort) {
    if (portText.length === 0 || portText.length > 5) throw new TargetError("invalid port");
    for (let i = 0; i < portText.length; i++) {
      const c = portText.charCodeAt(i);
      if (c < 0x30 || c > 0x39) throw new TargetError("invalid port");
    }
    port = Number(portText);
  }
  if (!(port >= 1 && port <= 65535)) throw new TargetError("invalid port");
  return { host: parseHost(hostText), port };
}

/** An absolute-form target. */
export interface AbsoluteTarget extends Authority, OriginTarget {
  /** `http` or `https`. */
  scheme: "http" | "https";
}

/**
 * Parses an absolute-form target (`http://authority/path?query`, as `HTTP_PROXY` clients
 * send): no userinfo, no fragment, the path as in {@linkcode parseOriginForm}.
 *
 * @param raw The target as sent.
 * @returns Scheme, host, port, path and query.
 * @throws {TargetError} When malformed.
 * @example
 * ```ts
 * import { parseAbsoluteForm } from "./request_target.ts";
 * const t = parseAbsoluteForm("http://Example.com:8080/a?b");
 * console.assert(t.host === "example.com" && t.port === 8080 && t.path === "/a");
 * ```
 */
export function parseAbsoluteForm(raw: string): AbsoluteTarget {
  const lower = raw.slice(0, 8).toLowerCase();
  const scheme = lower.startsWith("http://") ? "http" : lower.startsWith("https://") ? "https" : "";
  if (!scheme) throw new TargetError("target is not absolute-form http");
  const rest = raw.slice(scheme.length + 3);
  let end = rest.length;
  for (const ch of ["/", "?"]) {
    const i = rest.indexOf(ch);
    if (i >= 0 && i < end) end = i;
  }
  const authority = rest.slice(0, end);
  if (authority.includes("@")) throw new TargetError("userinfo in target");
  const where = parseAuthority(authority, scheme === "http" ? 80 : 443);
  let tail = rest.slice(end);
  if (tail.startsWith("?") || tail === "") tail = "/" + tail;
  return { scheme, ...where, ...parseOriginForm(tail) };
}
