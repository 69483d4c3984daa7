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
