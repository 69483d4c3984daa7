/**
 * `--resolve HOST:PORT:ADDR[,ADDR…]` (curl's syntax): pins an upstream host and port to
 * explicit addresses. A pinned address is trusted even when it is private, because the
 * user named it.
 *
 * @module
 */

import { ProxyError } from "../errors.ts";
import { parseIp } from "./address_guard.ts";

/** Pinned addresses by `host:port` (host lower-case, without brackets). */
export type PinTable = Map<string, string[]>;

/**
 * Normalises a host name for table look-ups: lower-case, no trailing dot, no brackets.
 *
 * @param host The host as written in a URL or request.
 * @returns The normalised host.
 * @example
 * ```ts
 * import { normalizeHost } from "./pins.ts";
 * console.assert(normalizeHost("API.OpenAI.com.") === "api.openai.com");
 * console.assert(normalizeHost("[::1]") === "::1");
 * ```
 */
export function normalizeHost(host: string): string {
  let h = host.toLowerCase();
  if (h.startsWith("[") && h.endsWith("]")) h = h.slice(1, -1);
  return h.endsWith(".") ? h.slice(0, -1) : h;
}

function parseOne(entry: string): { key: string; addresses: string[] } {
  const fail = (why: string) =>
    new ProxyError(`Cannot parse --resolve "${entry}": ${why}`, {
      hint: "use HOST:PORT:ADDR, e.g. --resolve api.openai.com:443:127.0.0.1",
    });
  const first = entry.indexOf(":");
  const second = first < 0 ? -1 : entry.indexOf(":", first + 1);
  if (first <= 0 || second < 0) throw fail("expected HOST:PORT:ADDR");
  const host = entry.slice(0, first);
  const portText = entry.slice(first + 1, second);
  const addrText = entry.slice(second + 1);
  if (host.startsWith("+") || host === "*" || !/^[A-Za-z0-9.-]+$/.test(host)) {
    throw fail(`"${host}" is not a host name`);
  }
  const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) throw fail(`port must be 1 to 65535: got "${portText}"`);
  const addresses = addrText.split(",").map((a) => a.trim());
  for (const a of addresses) {
    if (!parseIp(a)) throw fail(`"${a}" is not an IP address`);
  }
  // IPv4 in any spelling (0x7f.1) is kept as the dotted quad it spells.
  const canonical = addresses.map((a) => {
    const bytes = parseIp(a);
    return bytes?.length === 4 ? bytes.join(".") : normalizeHost(a);
  });
  return { key: `${normalizeHost(host)}:${port}`, addresses: canonical };
}

/**
 * Parses `--resolve` entries into a pin table.
 *
 * @param entries The entries, `HOST:PORT:ADDR[,ADDR…]` (IPv6 in brackets: `h:443:[::1]`).
 * @returns The table, later entries for the same host and port winning.
 * @throws {ProxyError} On a malformed entry, naming it.
 * @example
 * ```ts
 * import { parsePins } from "./pins.ts";
 * const pins = parsePins(["api.openai.com:443:127.0.0.1", "x.test:8443:[::1]"]);
 * console.assert(pins.get("api.openai.com:443")?.[0] === "127.0.0.1");
 * console.assert(pins.get("x.test:8443")?.[0] === "::1");
 * ```
 */
export function parsePins(entries: readonly string[]): PinTable {
  const table: PinTable = new Map();
  for (const e of entries) {
    const { key, addresses } = parseOne(e);
    table.set(key, addresses);
  }
  return table;
}
