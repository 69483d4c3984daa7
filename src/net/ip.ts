/**
 * IP address syntax without `node:net`: importing `node:net` costs ~15 ms of start-up in
 * Deno (it initialises the Node compatibility layer), and policy resolution sits on the
 * path of every `airlock run`.
 *
 * @module
 */

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * The family of an IP address literal, like `node:net`'s `isIP`.
 *
 * @param text A candidate address (no brackets, no zone index, no port).
 * @returns 4 for IPv4, 6 for IPv6, 0 when `text` is not an address.
 * @example
 * ```ts
 * import { ipFamily } from "./ip.ts";
 * console.assert(ipFamily("127.0.0.1") === 4);
 * console.assert(ipFamily("::1") === 6);
 * console.assert(ipFamily("fd00:ec2::254") === 6);
 * console.assert(ipFamily("256.0.0.1") === 0);
 * console.assert(ipFamily("example.com") === 0);
 * ```
 */
export function ipFamily(text: string): 0 | 4 | 6 {
  if (IPV4.test(text)) return 4;
  if (!text.includes(":") || !/^[0-9A-Fa-f:.]+$/.test(text)) return 0;
  try {
    // The WHATWG URL parser implements the IPv6 grammar exactly (incl. embedded IPv4).
    new URL(`http://[${text}]/`);
    return 6;
  } catch {
    return 0;
  }
}

/**
 * Reads an IPv4 literal in any spelling the C resolver accepts (`inet_aton`): one to four
 * parts, each decimal, octal (leading `0`) or hexadecimal (`0x`), the last part filling
 * the remaining bytes — `2130706433`, `0177.0.0.1`, `0x7f.1`, `127.1` are all 127.0.0.1.
 * A host name made only of such parts must be checked as the address it spells, never
 * looked up as a name (a resolver or a later library may read it as an address).
 *
 * @param text A candidate (no brackets, no port).
 * @returns The address in dotted-quad form, or null when `text` is not such a literal.
 * @example
 * ```ts
 * import { parseIpv4Literal } from "./ip.ts";
 * console.assert(parseIpv4Literal("2130706433") === "127.0.0.1");
 * console.assert(parseIpv4Literal("0177.0.0.01") === "127.0.0.1");
 * console.assert(parseIpv4Literal("0x7f.1") === "127.0.0.1");
 * console.assert(parseIpv4Literal("10.1") === "10.0.0.1");
 * console.assert(parseIpv4Literal("1.2.3.256") === null);
 * console.assert(parseIpv4Literal("example.com") === null);
 * ```
 */
export function parseIpv4Literal(text: string): string | null {
  const parts = text.split(".");
  if (parts.length < 1 || parts.length > 4) return null;
  const values: number[] = [];
  for (const part of parts) {
    let value: number;
    if (/^0[xX][0-9A-Fa-f]*$/.test(part)) value = part.length === 2 ? 0 : parseInt(part, 16);
    else if (/^0[0-7]*$/.test(part)) value = parseInt(part, 8);
    else if (/^[1-9][0-9]*$/.test(part)) value = Number(part);
    else return null;
    if (!Number.isSafeInteger(value)) return null;
    values.push(value);
  }
  const last = values.pop()!;
  if (values.some((v) => v > 255)) return null;
  if (last >= 2 ** (8 * (4 - values.length))) return null;
  const bytes = [...values];
  for (let i = 4 - values.length - 1; i >= 0; i--) bytes.push(Math.floor(last / 256 ** i) % 256);
  return bytes.join(".");
}
