/**
 * Keyless verification, offline: a Sigstore bundle signed with a Fulcio certificate
 * (Rekor v1 or v2 entry, RFC 3161 timestamp) is checked by `@sigstore/verify` against
 * Sigstore's production trusted root vendored in `policies/trust/` — the certificate
 * chain at the signed time, the SCT, the transparency log inclusion and body, the
 * timestamp and the signature. Nothing goes to the network.
 *
 * What the library does not check is left to the caller: that the DSSE statement is
 * about this file (`statement.ts`) and that the certificate's identity is a publisher
 * the policy trusts (`identity.ts`). This module returns the identity for that.
 *
 * Loaded lazily: it pulls in the npm packages (and Deno's Node compatibility layer),
 * which a launch with only keyed bundles never needs.
 *
 * @module
 */

import { bundleFromJSON } from "@sigstore/bundle";
import { X509Certificate } from "@sigstore/core";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import {
  type Signer,
  toSignedEntity,
  toTrustMaterial,
  type TrustMaterial,
  VerificationError,
  Verifier,
} from "@sigstore/verify";
import { Buffer } from "node:buffer";
import { installNodeCryptoFix } from "./node_crypto_fix.ts";
import { decodeExtensionValue, FULCIO_OIDS, type KeylessIdentity } from "./identity.ts";

/** The vendored trusted root. */
export const TRUSTED_ROOT_URL = new URL(
  "../../policies/trust/sigstore_trusted_root.json",
  import.meta.url,
);

/** A keyless bundle failed verification; `message` is one phrase naming why. */
export class KeylessError extends Error {
  /**
   * Creates the error.
   *
   * @param reason One phrase.
   * @param options The library's error as cause.
   */
  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = "KeylessError";
  }
}

let verifier: Verifier | undefined;

/**
 * The trust material from a trusted root (the vendored one by default).
 *
 * Requires `--allow-read` on `policies/` for the vendored root.
 *
 * @param root A trusted root as JSON; default: the vendored production root.
 * @returns The material `@sigstore/verify` checks against.
 */
export function trustMaterial(root?: unknown): TrustMaterial {
  const json = root ?? JSON.parse(Deno.readTextFileSync(TRUSTED_ROOT_URL));
  const material = toTrustMaterial(TrustedRoot.fromJSON(json));
  for (const ca of material.certificateAuthorities) {
    for (const cert of ca.certChain) trustedCaCerts.add(cert);
  }
  cacheCaSignatureChecks();
  return material;
}

/** The certificate objects of trusted-root CA chains (parsed once per trust material). */
const trustedCaCerts = new WeakSet<object>();
const CACHED = Symbol.for("airlock.caSignatureCache");

/**
 * Remembers the result of `X509Certificate.verify()` when the certificate checked is one of
 * the trusted root's own CA certificates: every keyless bundle re-checks the intermediate's
 * and the root's signatures (two P-384 verifications, most of a bundle's cost), and the
 * answer cannot change for the same two certificate objects. Leaf certificates, which
 * differ per bundle, are always checked.
 */
function cacheCaSignatureChecks(): void {
  const proto = X509Certificate.prototype as unknown as Record<symbol, unknown> & {
    verify(issuer?: X509Certificate): boolean;
  };
  if (proto[CACHED]) return;
  const original = proto.verify;
  const results = new WeakMap<object, Map<object | null, boolean>>();
  proto.verify = function verify(this: X509Certificate, issuer?: X509Certificate): boolean {
    if (!trustedCaCerts.has(this) || (issuer && !trustedCaCerts.has(issuer))) {
      return original.call(this, issuer);
    }
    let byIssuer = results.get(this);
    if (!byIssuer) results.set(this, byIssuer = new Map());
    const known = byIssuer.get(issuer ?? null);
    if (known !== undefined) return known;
    const result = original.call(this, issuer);
    byIssuer.set(issuer ?? null, result);
    return result;
  };
  Object.defineProperty(proto, CACHED, { value: true });
}

/** Options of {@linkcode verifyKeyless}. */
export interface KeylessOptions {
  /** For a message-signature bundle, the signed bytes; omit for DSSE. */
  artifact?: Uint8Array;
  /** A trusted root as JSON instead of the vendored one (tests). */
  trustedRoot?: unknown;
}

/**
 * Verifies a keyless bundle offline and returns its signer's identity.
 *
 * @param json The bundle JSON (already parsed).
 * @param options The artifact for a message signature; another trusted root.
 * @returns The certificate's claims.
 * @throws {KeylessError} With one phrase when anything fails (the library's error as cause).
 * @example
 * ```ts ignore
 * const json = JSON.parse(await Deno.readTextFile("CLAUDE.md.bundle"));
 * const identity = verifyKeyless(json);
 * console.log(identity.subject, identity.issuer);
 * ```
 */
export function verifyKeyless(json: unknown, options: KeylessOptions = {}): KeylessIdentity {
  installNodeCryptoFix();
  let bundle;
  try {
    bundle = bundleFromJSON(json);
  } catch (err) {
    throw new KeylessError(`is not a valid Sigstore bundle (${messageOf(err)})`, { cause: err });
  }
  if (bundle.verificationMaterial.content.$case === "publicKey") {
    throw new KeylessError("is signed with a key, not a certificate");
  }
  let signer: Signer;
  try {
    const v = options.trustedRoot === undefined
      ? (verifier ??= new Verifier(trustMaterial()))
      : new Verifier(trustMaterial(options.trustedRoot));
    const artifact = options.artifact ? Buffer.from(options.artifact) : undefined;
    signer = v.verify(toSignedEntity(bundle, artifact));
  } catch (err) {
    throw new KeylessError(reasonFor(err), { cause: err });
  }
  return identityOf(signer);
}

function identityOf(signer: Signer): KeylessIdentity {
  const claims = new Map<string, string>();
  for (const oid of signer.identity?.oids ?? []) {
    const id = oid.oid?.id.join(".");
    if (id) claims.set(id, decodeExtensionValue(new Uint8Array(oid.value)));
  }
  return {
    issuer: signer.identity?.extensions?.issuer ?? claims.get(FULCIO_OIDS.issuerV1) ?? "",
    subject: signer.identity?.subjectAlternativeName ?? "",
    repository: claims.get(FULCIO_OIDS.repository) ?? "",
    workflow: claims.get(FULCIO_OIDS.workflow) ?? "",
    ref: claims.get(FULCIO_OIDS.ref) ?? "",
  };
}

/** One phrase for a library failure. */
function reasonFor(err: unknown): string {
  const detail = messageOf(err);
  if (!(err instanceof VerificationError)) return `does not verify (${detail})`;
  switch (err.code) {
    case "TLOG_BODY_ERROR":
      return `has a Rekor entry for another artifact (${detail})`;
    case "TLOG_INCLUSION_PROOF_ERROR":
    case "TLOG_INCLUSION_PROMISE_ERROR":
    case "TLOG_MISSING_INCLUSION_ERROR":
      return `has a Rekor entry whose inclusion does not verify (${detail})`;
    case "TLOG_ERROR":
      return `lacks a usable Rekor entry (${detail})`;
    case "CERTIFICATE_ERROR":
      return `has a certificate that does not chain to Sigstore's root at the signed time (${detail})`;
    case "TIMESTAMP_ERROR":
      return `has no verifiable signing time (${detail})`;
    case "SIGNATURE_ERROR":
      return "has a signature that does not verify";
    default:
      return `does not verify (${detail})`;
  }
}

function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.split("\n")[0] ?? "";
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}
