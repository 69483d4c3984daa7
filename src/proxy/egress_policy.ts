/**
 * The rules for the proxy's general egress (CONNECT tunnels and absolute-form HTTP):
 * who may use it (proxy credentials) and where to (the domain allowlist).
 *
 * Proxy credentials: every CONNECT and absolute-form request must carry
 * `Proxy-Authorization: Basic base64(<any user>:<session proxy token>)`; the variables
 * give `http://airlock:<token>@127.0.0.1:PORT`. Without it the proxy answers 407 with
 * `Proxy-Authenticate: Basic realm="airlock"` and keeps the connection open, so clients
 * that only send credentials after a challenge (git) retry on the same connection.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { normalizeHost } from "./pins.ts";
import { tokensEqual } from "./tokens.ts";

/**
 * Checks a `Proxy-Authorization` header against the session's proxy token.
 *
 * @param header The header value, if any.
 * @param token The session's proxy token.
 * @returns True when it is `Basic` with the token as password.
 * @example
 * ```ts
 * import { proxyAuthorized } from "./egress_policy.ts";
 * console.assert(proxyAuthorized("Basic " + btoa("airlock:T"), "T"));
 * console.assert(!proxyAuthorized("Basic " + btoa("airlock:X"), "T"));
 * console.assert(!proxyAuthorized(undefined, "T"));
 * ```
 */
export function proxyAuthorized(header: string | undefined | null, token: string): boolean {
  if (!header) return false;
  const m = /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m || !m[1]) return false;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const password = colon < 0 ? decoded : decoded.slice(colon + 1);
  return tokensEqual(decodeURIComponentSafe(password), token);
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Tells whether a host is on the allowlist: an exact name, or `*.suffix` for any name
 * strictly below `suffix` (list `suffix` itself separately).
 *
 * @param host The target host.
 * @param patterns The allowlist.
 * @returns True when allowed.
 * @example
 * ```ts
 * import { domainAllowed } from "./egress_policy.ts";
 * console.assert(domainAllowed("registry.npmjs.org", ["registry.npmjs.org"]));
 * console.assert(domainAllowed("codeload.github.com", ["*.github.com"]));
 * console.assert(!domainAllowed("github.com", ["*.github.com"]));
 * console.assert(!domainAllowed("evilgithub.com", ["*.github.com"]));
 * ```
 */
export function domainAllowed(host: string, patterns: readonly string[]): boolean {
  const h = normalizeHost(host);
  for (const raw of patterns) {
    const p = normalizeHost(raw);
    if (p.startsWith("*.")) {
      if (h.endsWith(p.slice(1)) && h.length > p.length - 1) return true;
    } else if (h === p) return true;
  }
  return false;
}

/**
 * The 403 body for a refused domain, naming the flag that would allow it.
 *
 * @param host The refused host.
 * @returns One line of text.
 */
export function domainRefusal(host: string): string {
  const h = normalizeHost(host);
  return `airlock: ${h} is not in the proxy allowlist; allow it with --allow-domain ${h}\n`;
}

/** The 407 challenge header value. */
export const PROXY_CHALLENGE = 'Basic realm="airlock"';
