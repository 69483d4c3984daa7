/**
 * The trust policy's types: what one policy file says (`TrustPolicyFile`) and what the
 * user's and the project's files mean together (`EffectiveTrustPolicy`). The JSON keys are
 * documented in `policies/trust/schema.json`.
 *
 * @module
 */

import type { IdentityPattern } from "./identity.ts";

/** What happens when a file does not verify: refuse the run, warn and run, or only record. */
export type Enforcement = "deny" | "warn" | "audit";

/** Enforcement values from the most to the least strict. */
export const ENFORCEMENTS: readonly Enforcement[] = ["deny", "warn", "audit"];

/** A publisher who signs with a key: matched by the key's fingerprint. */
export interface KeyPublisher {
  /** `key`. */
  type: "key";
  /** A name for messages. */
  name: string;
  /** Hex SHA-256 of the DER SubjectPublicKeyInfo (the bundle's `publicKey.hint`). */
  fingerprint: string;
  /** DER SubjectPublicKeyInfo, decoded from the policy's PEM (checked against `fingerprint`). */
  spki: Uint8Array<ArrayBuffer>;
}

/** A publisher who signs keyless (Fulcio certificate): matched by certificate claims. */
export interface KeylessPublisher extends IdentityPattern {
  /** `keyless`. */
  type: "keyless";
  /** A name for messages. */
  name: string;
}

/** Either kind of publisher. */
export type Publisher = KeyPublisher | KeylessPublisher;

/** A blocklisted signer: a key fingerprint or keyless claims. */
export type BlockedIdentity = { fingerprint: string } | IdentityPattern;

/** An accepted project policy (in the user policy only). */
export interface AcceptedProject {
  /** SHA-256 of the project policy file's bytes. */
  sha256: string;
  /** Where it was when accepted (informational; matching is by digest). */
  path?: string;
}

/** One policy file, validated. */
export interface TrustPolicyFile {
  /** The file read. */
  file: string;
  /** SHA-256 of its bytes. */
  sha256: string;
  /** `enforcement`, if set. */
  enforcement?: Enforcement;
  /** `includes` globs. */
  includes: string[];
  /** `files`, as written (absolute or `~/…`). */
  files: string[];
  /** `publishers`. */
  publishers: Publisher[];
  /** `blocklist.digests` (hex SHA-256 of file contents). */
  blockedDigests: string[];
  /** `blocklist.identities`. */
  blockedIdentities: BlockedIdentity[];
  /** `accepted_projects`. */
  acceptedProjects: AcceptedProject[];
}

/** The user's and the project's policy merged. */
export interface EffectiveTrustPolicy {
  /** Whether a user policy exists. */
  userPolicy: boolean;
  /** The project policy's path when one exists. */
  projectPolicy: string | null;
  /** Whether the project policy is accepted (its digest is pinned in the user policy). */
  projectAccepted: boolean;
  /** The enforcement in force (the strictest named; `deny` by default with a user policy). */
  enforcement: Enforcement;
  /** Include globs (the user's or the defaults, plus the project's). */
  includes: string[];
  /** Explicit files, absolute. */
  files: string[];
  /** Trusted publishers (the user's, plus an accepted project's). */
  publishers: Publisher[];
  /** Blocklisted file digests. */
  blockedDigests: Set<string>;
  /** Blocklisted signers. */
  blockedIdentities: BlockedIdentity[];
  /** Lines to print: project settings ignored and why. */
  warnings: string[];
}
