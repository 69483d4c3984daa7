/**
 * The DER of an X.509 name-constraints extension value that permits only the given DNS
 * names (RFC 5280 §4.2.1.10): a session CA that can vouch for nothing but the hosts the
 * session intercepts, so even a leaked CA could not impersonate any other site to a
 * client that checks name constraints (OpenSSL, rustls/webpki, Go, Node).
 *
 * @module
 */

/** DER length octets. */
function length(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}

function tlv(tag: number, body: readonly number[]): number[] {
  return [tag, ...length(body.length), ...body];
}

/**
 * Encodes `NameConstraints ::= SEQUENCE { permittedSubtrees [0] GeneralSubtrees }` with
 * one `dNSName` subtree per host.
 *
 * @param hosts Lower-case DNS names (no wildcards; a name also permits its subdomains).
 * @returns The extension's value.
 * @throws {Error} When a host is not a plain ASCII DNS name.
 * @example
 * ```ts
 * import { permittedDnsNames } from "./name_constraints.ts";
 * const der = permittedDnsNames(["a.test"]);
 * console.assert(der[0] === 0x30 && der[2] === 0xa0);
 * ```
 */
export function permittedDnsNames(hosts: readonly string[]): Uint8Array<ArrayBuffer> {
  const subtrees: number[] = [];
  for (const host of hosts) {
    if (!/^[a-z0-9.-]+$/.test(host)) throw new Error(`not a DNS name: ${JSON.stringify(host)}`);
    const name = [...host].map((c) => c.charCodeAt(0));
    // GeneralSubtree ::= SEQUENCE { base GeneralName } ; dNSName is [2] IMPLICIT IA5String
    subtrees.push(...tlv(0x30, tlv(0x82, name)));
  }
  return new Uint8Array(tlv(0x30, tlv(0xa0, subtrees)));
}
