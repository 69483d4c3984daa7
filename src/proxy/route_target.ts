/**
 * The target of a base-URL request as the client sent it, validated once for the
 * router, the upstream request and the audit record alike: the `Host` header must be a
 * host and port (not `x/openai`, which `Deno.serve` would paste into the URL and so
 * re-route), the target must be origin-form, and its path must stay under its route
 * (see `containedPath`).
 *
 * `Deno.serve` gives `req.url` as `http://` (`http+unix://` on a UNIX socket) + `Host` +
 * target, unnormalised; the WHATWG
 * URL parser would then turn `\` into `/` and resolve `%2e%2e`, so the target is taken
 * from `req.url` as a string (or from node:http's `incoming.url`) and checked before any
 * URL object is made from it.
 *
 * @module
 */

import { auditPathOf } from "./headers.ts";
import { containedPath, parseAuthority, parseOriginForm, TargetError } from "./request_target.ts";

/** A validated base-URL target. */
export interface RouteTarget {
  /** The target as a URL (on a placeholder host): its pathname is the path as sent. */
  url: URL;
  /** The first path segment (the route name), if any. */
  name: string | undefined;
  /** The path after `/<name>` (`/v1/models`), as sent. */
  rest: string;
  /** The path with query parameter names only, for the audit log. */
  auditPath: string;
}

/**
 * Validates a request's target.
 *
 * @param req The request.
 * @param env The server's env (node:http gives the raw target as `incoming.url`).
 * @returns The route name, the rest of the path and a URL of it.
 * @throws {TargetError} On a malformed `Host` or target, or a path that could escape.
 * @example
 * ```ts
 * import { routeTarget } from "./route_target.ts";
 * const t = routeTarget(new Request("http://127.0.0.1:1/openai/v1/models?x=1", {
 *   headers: { host: "127.0.0.1:1" },
 * }));
 * console.assert(t.name === "openai" && t.rest === "/v1/models" && t.auditPath === "/openai/v1/models?x=");
 * ```
 */
export function routeTarget(req: Request, env?: { incoming?: { url?: string } }): RouteTarget {
  const host = req.headers.get("host");
  if (host !== null) parseAuthority(host, 80);
  let raw = env?.incoming?.url;
  if (raw === undefined) {
    // `http://` on a TCP listener, `http+unix://` on a UNIX one; without a Host header
    // (HTTP/1.0, or a Request made in process) the server put its own authority there.
    const scheme = req.url.indexOf("://");
    if (scheme < 0) throw new TargetError("target does not follow Host");
    const authorityEnd = host === null
      ? req.url.indexOf("/", scheme + 3)
      : scheme + 3 + host.length;
    if (authorityEnd < 0 || (host !== null && req.url.slice(scheme + 3, authorityEnd) !== host)) {
      throw new TargetError("target does not follow Host");
    }
    raw = req.url.slice(authorityEnd);
  }
  const { path, query, hasQuery } = parseOriginForm(raw);
  containedPath(path);
  const url = new URL(`http://airlock${path}${hasQuery ? `?${query}` : ""}`);
  if (url.pathname !== path) throw new TargetError("path not in normal form");
  const second = path.indexOf("/", 1);
  const name = path.slice(1, second < 0 ? path.length : second) || undefined;
  const rest = second < 0 ? "" : path.slice(second);
  return { url, name, rest, auditPath: auditPathOf(path, url.searchParams) };
}
