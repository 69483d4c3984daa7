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

/**
 * Copies headers without hop-by-hop ones (including those `Connection` names).
 *
 * @param source The incoming headers.
 * @param drop More names to drop (lower-case).
 * @returns A new Headers object.
 * @example
 * ```ts
 * import { forwardableHeaders } from "./headers.ts";
 * const h = forwardableHeaders(new Headers({ connection: "x-a", "x-a": "1", "x-b": "2" }), ["host"]);
 * console.assert(!h.has("x-a") && h.get("x-b") === "2");
 * ```
 */
export function forwardableHeaders(source: Headers, drop: readonly string[] = []): Headers {
  const out = new Headers(source);
  const named = (source.get("connection") ?? "").split(",").map((s) => s.trim().toLowerCase());
  for (const name of [...HOP_BY_HOP, ...named, ...drop]) if (name) out.delete(name);
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
  const names = [...url.searchParams.keys()];
  return names.length === 0
    ? url.pathname
    : `${url.pathname}?${names.map((n) => `${n}=`).join("&")}`;
}
