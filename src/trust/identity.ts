/**
 * Keyless identities: the claims airlock reads from a Fulcio certificate, and how a
 * trust policy's publisher patterns match them. `issuer` must be equal; `subject`,
 * `repository`, `workflow` and `ref` are patterns where `*` matches any run of
 * characters (slashes included) and everything else is literal, anchored at both ends.
 * A claim the certificate lacks (or has empty) never matches, not even `*`.
 *
 * @module
 */

/** The claims of a keyless signer. */
export interface KeylessIdentity {
  /** OIDC issuer (Fulcio extension 1.3.6.1.4.1.57264.1.8, else .1.1). */
  issuer: string;
  /** The certificate's subject alternative name (an e-mail or a workflow URI). */
  subject: string;
  /** Source Repository URI (.1.12), e.g. `https://github.com/org/repo`. */
  repository: string;
  /** Build Config URI (.1.18), e.g. `https://github.com/org/repo/.github/workflows/r.yml@refs/heads/main`. */
  workflow: string;
  /** Source Repository Ref (.1.14), e.g. `refs/heads/main`. */
  ref: string;
}

/** The claim patterns of a keyless publisher (or blocklist entry). */
export interface IdentityPattern {
  /** The issuer, compared exactly. */
  issuer: string;
  /** Pattern for the subject. */
  subject: string;
  /** Pattern for the source repository URI. */
  repository?: string;
  /** Pattern for the build config (workflow) URI. */
  workflow?: string;
  /** Pattern for the source ref. */
  ref?: string;
}

/** Fulcio extension OIDs read for claims. */
export const FULCIO_OIDS = {
  issuerV1: "1.3.6.1.4.1.57264.1.1",
  issuer: "1.3.6.1.4.1.57264.1.8",
  repository: "1.3.6.1.4.1.57264.1.12",
  ref: "1.3.6.1.4.1.57264.1.14",
  workflow: "1.3.6.1.4.1.57264.1.18",
} as const;

/**
 * Whether `value` matches `pattern` (`*` wildcards, anchored); an empty value never does.
 *
 * @param pattern The pattern.
 * @param value The claim.
 * @returns True on a match.
 * @example
 * ```ts
 * import { claimMatches } from "./identity.ts";
 * console.assert(claimMatches("https://github.com/org/*", "https://github.com/org/repo/x"));
 * console.assert(!claimMatches("https://github.com/org/*", "https://github.com/org2/repo"));
 * console.assert(!claimMatches("*", ""));
 * ```
 */
export function claimMatches(pattern: string, value: string): boolean {
  if (value === "" || pattern === "") return false;
  const parts = pattern.split("*");
  if (parts.length === 1) return pattern === value;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!value.startsWith(first) || value.length < first.length + last.length) return false;
  if (!value.endsWith(last)) return false;
  let at = first.length;
  const end = value.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = value.indexOf(middle, at);
    if (found < 0 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}

/**
 * Whether an identity matches every claim a pattern names.
 *
 * @param pattern The publisher's claims.
 * @param identity The certificate's claims.
 * @returns True when the issuer is equal and every named pattern matches.
 */
export function identityMatches(pattern: IdentityPattern, identity: KeylessIdentity): boolean {
  if (identity.issuer === "" || pattern.issuer !== identity.issuer) return false;
  if (!claimMatches(pattern.subject, identity.subject)) return false;
  for (const claim of ["repository", "workflow", "ref"] as const) {
    const want = pattern[claim];
    if (want !== undefined && !claimMatches(want, identity[claim])) return false;
  }
  return true;
}

/**
 * Decodes a Fulcio extension value: a DER UTF8String (v2 extensions) or raw text (v1).
 *
 * @param value The extension's value bytes.
 * @returns The text, or empty when undecodable.
 */
export function decodeExtensionValue(value: Uint8Array): string {
  let bytes = value;
  if (value[0] === 0x0c && value.length >= 2) {
    let len = value[1]!;
    let at = 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n < 1 || n > 3 || value.length < 2 + n) return "";
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + value[2 + i]!;
      at = 2 + n;
    }
    if (at + len !== value.length) return "";
    bytes = value.subarray(at);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return "";
  }
}

/**
 * Describes an identity for messages: `subject (issuer)`.
 *
 * @param identity The claims.
 * @returns One short phrase.
 */
export function describeIdentity(identity: KeylessIdentity): string {
  return `${identity.subject || "no subject"} (issuer ${identity.issuer || "none"})`;
}
