/**
 * Header hygiene for forwarding: hop-by-hop headers (RFC 9110 §7.6.1), those named in
 * `Connection`, and proxy credentials never cross the proxy.
 *
 * @module
 */

/** Headers that apply to one connection only, plus the proxy's own credentials. */
export const HOP_BY_HOP: readonly string[] = [
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
];

/** {@linkcode HOP_BY_HOP} as a set. */
const HOP_BY_HOP_SET: ReadonlySet<string> = new Set(HOP_BY_HOP);

/**
 * The header names a `Connection` header lists (hop-by-hop by declaration).
 *
 * @param value The `Connection` header's value, if the message has one.
 * @returns The lower-case names, or undefined when there is no `Connection` header.
 * @example
 * ```ts
 * import { connectionNamed } from "./headers.ts";
 * console.assert(connectionNamed("X-A, close")?.[0] === "x-a");
 * ```
 */
export function connectionNamed(value: string | null | undefined): string[] | undefined {
  return value == null ? undefined : value.split(",").map((s) => s.trim().toLowerCase());
}

/**
 * Whether a header is hop-by-hop: one of {@linkcode HOP_BY_HOP}, or named by the
 * message's `Connection` header. Such headers are never relayed.
 *
 * @param name The lower-case header name.
 * @param named From {@linkcode connectionNamed}.
 * @returns True to drop it.
 * @example
 * ```ts
 * import { connectionNamed, isHopByHop } from "./headers.ts";
 * const named = connectionNamed("x-a");
 * console.assert(isHopByHop("keep-alive", named) && isHopByHop("x-a", named));
 * console.assert(!isHopByHop("x-b", named));
 * ```
 */
export function isHopByHop(name: string, named: readonly string[] | undefined): boolean {
  return HOP_BY_HOP_SET.has(name) || (named?.includes(name) ?? false);
}

/**
 * The response headers to relay: without hop-by-hop ones (including those `Connection`
 * names), and without `Content-Encoding` and `Content-Length` when there was a
 * `Content-Encoding` (Deno's fetch decoded the body, which is identity now).
 *
 * @param source The upstream response's headers.
 * @returns Name and value pairs, for a `Response`'s `headers`.
 * @example
 * ```ts
 * import { responseHeaders } from "./headers.ts";
 * const h = responseHeaders(new Headers({ "content-encoding": "gzip", "content-length": "9", "x-b": "2", "keep-alive": "5" }));
 * console.assert(h.length === 1 && h[0]![0] === "x-b");
 * ```
 */
export function responseHeaders(source: Headers): [string, string][] {
  const named = connectionNamed(source.get("connection"));
  const decoded = source.has("content-encoding");
  const out: [string, string][] = [];
  for (const pair of source) {
    const name = pair[0];
    if (isHopByHop(name, named)) continue;
    if (decoded && (name === "content-encoding" || name === "content-length")) continue;
    out.push(pair);
  }
  return out;
}

/**
 * Reduces a path and query to what the audit log may keep: the query's parameter names,
 * never their values.
 *
 * @param url The request URL.
 * @returns `path?name=&name=`, or just the path.
 * @example
 * ```ts
 * import { auditPath } from "./headers.ts";
 * console.assert(auditPath(new URL("http://h/g/v1?key=SECRET&alt=sse")) === "/g/v1?key=&alt=");
 * ```
 */
export function auditPath(url: URL): string {
  return auditPathOf(url.pathname, url.searchParams);
}

/**
 * {@linkcode auditPath} of a path and its query parameters.
 *
 * @param path The path, as sent.
 * @param params The query parameters.
 * @returns `path?name=&name=`, or just the path.
 * @example
 * ```ts
 * import { auditPathOf } from "./headers.ts";
 * console.assert(auditPathOf("/a", new URLSearchParams("k=SECRET")) === "/a?k=");
 * ```
 */
export function auditPathOf(path: string, params: URLSearchParams): string {
  const names = [...params.keys()];
  return names.length === 0 ? path : `${path}?${names.map((n) => `${n}=`).join("&")}`;
}
