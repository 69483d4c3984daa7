/**
 * The upstream address guard: which IP addresses the proxy refuses to connect to unless
 * the user pinned the host (`--resolve`) or allowed a range (`network.allowRanges`).
 *
 * The default deny list ({@linkcode DEFAULT_DENY_RANGES}) covers everything that is not
 * the public internet: loopback, RFC 1918 and ULA private ranges, carrier-grade NAT,
 * link-local (which holds the cloud metadata endpoints 169.254.169.254 and
 * fd00:ec2::254), unspecified, multicast, documentation and reserved space.
 *
 * Every IPv6 form that carries an IPv4 address is checked as that address too (finding 5
 * of issue 10): IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`), IPv4-translated
 * (`::ffff:0:a.b.c.d`) and the rest of `0000::/8`, NAT64 with the well-known prefix
 * (`64:ff9b::/96`) and the local-use prefix (`64:ff9b:1::/48`, at every RFC 6052 position),
 * 6to4 (`2002::/16`) and Teredo (`2001::/32`, server and obfuscated client). Forms that
 * are never public (`0000::/8` other than mapped, `64:ff9b:1::/48`) are refused even when
 * the address they carry is public. IPv4 literals in any spelling the C resolver accepts
 * (`2130706433`, `0177.0.0.1`, `0x7f.1`, `127.1`) are read as the address they spell.
 *
 * @module
 */

import { isIP } from "node:net";
import { parseIpv4Literal } from "../net/ip.ts";

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
  if (kind === 0 && !t.includes(":")) {
    const dotted = parseIpv4Literal(t);
    return dotted === null ? null : new Uint8Array(dotted.split(".").map(Number));
  }
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
  deny("192.0.2.0/24", "documentation"),
  deny("198.51.100.0/24", "documentation"),
  deny("203.0.113.0/24", "documentation"),
  deny("192.168.0.0/16", "private"),
  deny("198.18.0.0/15", "reserved"),
  deny("224.0.0.0/4", "multicast"),
  deny("240.0.0.0/4", "reserved"),
  deny("::/128", "unspecified"),
  deny("::1/128", "loopback"),
  deny("fc00::/7", "private"),
  deny("fe80::/10", "link-local"),
  deny("fec0::/10", "site-local"),
  deny("100::/64", "discard"),
  deny("2001:db8::/32", "documentation"),
  deny("ff00::/8", "multicast"),
];

/** An IPv4 address an IPv6 address carries, and the form it is carried in. */
interface Embedded {
  v4: Uint8Array;
  /** Never public in this form: refuse even when the IPv4 address is public. */
  neverPublic: string | null;
}

const V6 = (text: string) => parseCidr(text);
/** `0000::/8`, reserved by the IETF: never public, except the mapped form in it. */
const ZERO_8 = V6("::/8");
const MAPPED = V6("::ffff:0:0/96");
const NAT64_WKP = V6("64:ff9b::/96");
const NAT64_LOCAL = V6("64:ff9b:1::/48");
const SIX_TO_FOUR = V6("2002::/16");
const TEREDO = V6("2001::/32");

function pick(b: Uint8Array, ...at: number[]): Uint8Array {
  return new Uint8Array(at.map((i) => b[i] ?? 0));
}

/**
 * The IPv4 addresses an IPv6 address carries (see the module doc).
 *
 * @param b 16 bytes.
 * @returns Each candidate, with whether the form is never public.
 */
export function embeddedIpv4(b: Uint8Array): Embedded[] {
  const last = pick(b, 12, 13, 14, 15);
  if (inRange(b, MAPPED)) return [{ v4: last, neverPublic: null }];
  if (inRange(b, NAT64_WKP)) return [{ v4: last, neverPublic: null }];
  if (inRange(b, NAT64_LOCAL)) {
    // RFC 6052 §2.2: the address sits after the prefix, skipping bits 64–71 (the u octet).
    return [
      last, // /96
      pick(b, 9, 10, 11, 12), // /64
      pick(b, 7, 9, 10, 11), // /56
      pick(b, 6, 7, 9, 10), // /48
    ].map((v4) => ({ v4, neverPublic: "nat64-local" }));
  }
  // After the NAT64 prefixes, which lie in 0000::/8 too.
  if (inRange(b, ZERO_8)) return [{ v4: last, neverPublic: "ipv4-compatible" }];
  if (inRange(b, SIX_TO_FOUR)) return [{ v4: pick(b, 2, 3, 4, 5), neverPublic: null }];
  if (inRange(b, TEREDO)) {
    const client = last.map((x) => x ^ 0xff);
    return [{ v4: pick(b, 4, 5, 6, 7), neverPublic: null }, { v4: client, neverPublic: null }];
  }
  return [];
}

function denyReason(bytes: Uint8Array): string | null {
  for (const d of DEFAULT_DENY_RANGES) if (inRange(bytes, d.range)) return d.reason;
  return null;
}

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
  const bytes = parseIp(address);
  if (!bytes) return "not-an-ip-address";
  const allowed = (b: Uint8Array) => allowRanges.some((r) => inRange(b, r));
  if (allowed(bytes)) return null;
  const direct = denyReason(bytes);
  if (direct !== null) return direct;
  if (bytes.length === 4) return null;
  const embedded = embeddedIpv4(bytes);
  for (const e of embedded) {
    if (allowed(e.v4)) return null;
  }
  for (const e of embedded) {
    const reason = denyReason(e.v4);
    // Where several positions are read, the zero bytes around the real address read as
    // 0.0.0.0/8: such a candidate says nothing.
    if (reason !== null && (embedded.length === 1 || reason !== "unspecified")) return reason;
  }
  return embedded.find((e) => e.neverPublic !== null)?.neverPublic ?? null;
}
