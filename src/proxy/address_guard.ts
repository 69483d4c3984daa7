/**
 * The upstream address guard: which IP addresses the proxy refuses to connect to unless
 * the user pinned the host (`--resolve`) or allowed a range (`network.allowRanges`).
 *
 * The default deny list ({@linkcode DEFAULT_DENY_RANGES}) covers everything that is not
 * the public internet: loopback, RFC 1918 and ULA private ranges, carrier-grade NAT,
 * link-local (which holds the cloud metadata endpoints 169.254.169.254 and
 * fd00:ec2::254), unspecified, multicast and reserved space. IPv4-mapped and NAT64
 * IPv6 addresses are checked as the IPv4 address they carry.
 *
 * @module
 */

import { isIP } from "node:net";

/** A parsed CIDR range. */
export interface CidrRange {
  /** 4 bytes for IPv4, 16 for IPv6. */
  bytes: Uint8Array;
  /** Prefix length in bits. */
  prefix: number;
  /** The text it was parsed from. */
  text: string;
}

/** A named range of the default deny list. */
export interface DenyRange {
  /** The range. */
  range: CidrRange;
  /** Why it is refused, for the audit log: `loopback`, `private`, `cloud-metadata`… */
  reason: string;
}

/**
 * Parses an IP address into bytes.
 *
 * @param text An IPv4 or IPv6 address (brackets allowed around IPv6).
 * @returns 4 or 16 bytes, or null when `text` is not an IP address.
 * @example
 * ```ts
 * import { parseIp } from "./address_guard.ts";
 * console.assert(parseIp("10.0.0.1")?.length === 4);
 * console.assert(parseIp("[::1]")?.[15] === 1);
 * console.assert(parseIp("example.com") === null);
 * ```
 */
export function parseIp(text: string): Uint8Array | null {
  const t = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const kind = isIP(t);
  if (kind === 4) return new Uint8Array(t.split(".").map(Number));
  if (kind !== 6) return null;
  let head = t;
  const out = new Uint8Array(16);
  let tailV4: number[] = [];
  const lastColon = head.lastIndexOf(":");
  if (head.slice(lastColon + 1).includes(".")) {
    tailV4 = head.slice(lastColon + 1).split(".").map(Number);
    head = head.slice(0, lastColon + 1) + "0:0";
  }
  const [left = "", right] = head.split("::");
  const leftGroups = left === "" ? [] : left.split(":");
  const rightGroups = right === undefined || right === "" ? [] : right.split(":");
  const groups = right === undefined ? leftGroups : [
    ...leftGroups,
    ...Array(8 - leftGroups.length - rightGroups.length).fill("0"),
    ...rightGroups,
  ];
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  if (tailV4.length === 4) out.set(tailV4, 12);
  return out;
}

/**
 * Parses a CIDR range (`10.0.0.0/8`, `fd00::/8`) or a single address.
 *
 * @param text The range.
 * @returns The parsed range.
 * @throws {RangeError} When the address or prefix length is malformed.
 * @example
 * ```ts
 * import { parseCidr } from "./address_guard.ts";
 * console.assert(parseCidr("10.0.0.0/8").prefix === 8);
 * console.assert(parseCidr("::1").prefix === 128);
 * ```
 */
export function parseCidr(text: string): CidrRange {
  const [addr = "", len] = text.split("/");
  const bytes = parseIp(addr);
  if (!bytes) throw new RangeError(`Cannot parse range "${text}": "${addr}" is not an IP address`);
  const max = bytes.length * 8;
  const prefix = len === undefined ? max : /^\d+$/.test(len) ? Number(len) : NaN;
  if (!(prefix >= 0 && prefix <= max)) {
    throw new RangeError(`Cannot parse range "${text}": prefix length must be 0 to ${max}`);
  }
  return { bytes, prefix, text };
}

/**
 * Tells whether an address lies in a range (same family only).
 *
 * @param addr The address bytes.
 * @param range The range.
 * @returns True when the first `prefix` bits match.
 */
export function inRange(addr: Uint8Array, range: CidrRange): boolean {
  if (addr.length !== range.bytes.length) return false;
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((addr[i] ?? 0) & mask) !== ((range.bytes[i] ?? 0) & mask)) return false;
  }
  return true;
}

function deny(text: string, reason: string): DenyRange {
  return { range: parseCidr(text), reason };
}

/** The ranges refused by default, most specific first so the reason is precise. */
export const DEFAULT_DENY_RANGES: readonly DenyRange[] = [
  deny("169.254.169.254/32", "cloud-metadata"),
  deny("fd00:ec2::254/128", "cloud-metadata"),
  deny("0.0.0.0/8", "unspecified"),
  deny("10.0.0.0/8", "private"),
  deny("100.64.0.0/10", "carrier-grade-nat"),
  deny("127.0.0.0/8", "loopback"),
  deny("169.254.0.0/16", "link-local"),
  deny("172.16.0.0/12", "private"),
  deny("192.0.0.0/24", "reserved"),
  deny("192.168.0.0/16", "private"),
  deny("198.18.0.0/15", "reserved"),
  deny("224.0.0.0/4", "multicast"),
  deny("240.0.0.0/4", "reserved"),
  deny("::/128", "unspecified"),
  deny("::1/128", "loopback"),
  deny("fc00::/7", "private"),
  deny("fe80::/10", "link-local"),
  deny("ff00::/8", "multicast"),
];

const MAPPED_V4 = [parseCidr("::ffff:0:0/96"), parseCidr("64:ff9b::/96")];

/**
 * Decides whether the proxy may connect to an address.
 *
 * @param address The IP address (text).
 * @param allowRanges Ranges the user allowed although they are on the deny list.
 * @returns null when allowed, else the reason it is refused (`private`, `loopback`…).
 * @example
 * ```ts
 * import { addressDenyReason, parseCidr } from "./address_guard.ts";
 * console.assert(addressDenyReason("169.254.169.254", []) === "cloud-metadata");
 * console.assert(addressDenyReason("::ffff:10.1.2.3", []) === "private");
 * console.assert(addressDenyReason("10.1.2.3", [parseCidr("10.0.0.0/8")]) === null);
 * console.assert(addressDenyReason("93.184.216.34", []) === null);
 * ```
 */
export function addressDenyReason(
  address: string,
  allowRanges: readonly CidrRange[],
): string | null {
  let bytes = parseIp(address);
  if (!bytes) return "not-an-ip-address";
  if (allowRanges.some((r) => inRange(bytes as Uint8Array, r))) return null;
  if (MAPPED_V4.some((r) => inRange(bytes as Uint8Array, r))) {
    bytes = bytes.slice(12);
    if (allowRanges.some((r) => inRange(bytes as Uint8Array, r))) return null;
  }
  for (const d of DEFAULT_DENY_RANGES) if (inRange(bytes, d.range)) return d.reason;
  return null;
}
