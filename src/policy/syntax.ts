/**
 * Syntax checks shared by profile validation and command-line flags: network modes,
 * host names and `*.suffix` patterns, CIDR ranges, credential references and names.
 * Each check returns a phrase naming the problem (`must be …`) or null.
 *
 * @module
 */

import { ipFamily } from "../net/ip.ts";
import type { NetworkMode } from "./types.ts";

/** The network modes a profile may name. */
export const NETWORK_MODES: readonly NetworkMode[] = ["proxy", "none", "open"];

/** Credential reference schemes the keystore resolves. */
export const CREDENTIAL_SCHEMES = ["keyring", "env", "file", "cmd"] as const;

/** A host name or `*.suffix`, lower case. */
const DOMAIN = /^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
/** A variable name or glob in `env.allow`/`env.deny`. */
export const ENV_GLOB = /^[A-Za-z_*][A-Za-z0-9_*]*$/;
/** A variable name. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A route or credential name. */
export const ROUTE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * The problem with a domain pattern (`example.com`, `*.example.com`), or null.
 *
 * @param domain The pattern.
 * @returns A phrase, or null when valid.
 */
export function domainProblem(domain: string): string | null {
  return DOMAIN.test(domain) ? null : "must be a lower-case host name or *.suffix";
}

/**
 * The problem with a CIDR range (`10.0.0.0/8`, `fd00::/8`), or null.
 *
 * @param range The range.
 * @returns A phrase, or null when valid.
 */
export function cidrProblem(range: string): string | null {
  const [addr = "", bits, ...rest] = range.split("/");
  const family = ipFamily(addr);
  const max = family === 4 ? 32 : 128;
  if (family === 0 || bits === undefined || rest.length > 0 || !/^\d{1,3}$/.test(bits)) {
    return "must be a CIDR range such as 10.0.0.0/8";
  }
  return Number(bits) <= max ? null : `must have a prefix length from 0 to ${max}`;
}

/**
 * The problem with a credential reference (`keyring:NAME`, `env:VAR`, `file:PATH`, `cmd:…`), or null.
 *
 * @param ref The reference.
 * @returns A phrase, or null when valid.
 */
export function credentialRefProblem(ref: string): string | null {
  const colon = ref.indexOf(":");
  const scheme = ref.slice(0, colon);
  if (colon < 1 || colon === ref.length - 1) return "must be SCHEME:VALUE";
  return (CREDENTIAL_SCHEMES as readonly string[]).includes(scheme)
    ? null
    : `must use one of the schemes ${CREDENTIAL_SCHEMES.join(", ")}`;
}
