/**
 * The sidecar `FILE.bundle`: a Sigstore bundle (v0.3 when airlock writes it; v0.1–v0.3
 * accepted) holding one DSSE envelope with an in-toto statement. This module checks the
 * bundle's shape before any cryptography runs — JSON, a known media type, exactly one
 * envelope and exactly one signature, and either a key hint (keyed) or a certificate
 * (keyless) — and builds keyed bundles.
 *
 * A keyed bundle names its key only by `verificationMaterial.publicKey.hint`, the hex
 * SHA-256 of the key's DER SubjectPublicKeyInfo; the key itself comes from the trust
 * policy, never from the bundle.
 *
 * @module
 */

import { type DsseEnvelopeJson, IN_TOTO_PAYLOAD_TYPE } from "./dsse.ts";
import { fromBase64, isSha256Hex, toBase64 } from "./digest.ts";

/** The media type airlock writes. */
export const BUNDLE_MEDIA_TYPE_V03 = "application/vnd.dev.sigstore.bundle.v0.3+json";

/** Every media type accepted. */
export const BUNDLE_MEDIA_TYPES: readonly string[] = [
  "application/vnd.dev.sigstore.bundle+json;version=0.1",
  "application/vnd.dev.sigstore.bundle+json;version=0.2",
  "application/vnd.dev.sigstore.bundle+json;version=0.3",
  BUNDLE_MEDIA_TYPE_V03,
];

/** The sidecar file of an instruction file. */
export function bundlePathFor(path: string): string {
  return `${path}.bundle`;
}

/** A bundle whose shape is valid. */
export type ParsedBundle =
  | {
    /** Signed with a key the policy lists. */
    kind: "keyed";
    /** The key's fingerprint (hex SHA-256 of its DER SPKI). */
    hint: string;
    /** The payload type. */
    payloadType: string;
    /** The payload bytes. */
    payload: Uint8Array<ArrayBuffer>;
    /** The one signature (DER ECDSA). */
    signature: Uint8Array<ArrayBuffer>;
  }
  | {
    /** Signed with a Fulcio certificate (keyless). */
    kind: "keyless";
    /** The payload type. */
    payloadType: string;
    /** The payload bytes. */
    payload: Uint8Array<ArrayBuffer>;
    /** The whole bundle JSON, for `@sigstore/verify`. */
    json: Record<string, unknown>;
  };

/** The bundle is malformed; `message` is one phrase naming why. */
export class BundleFormatError extends Error {
  /**
   * Creates the error.
   *
   * @param reason One phrase (`is not JSON`).
   */
  constructor(reason: string) {
    super(reason);
    this.name = "BundleFormatError";
  }
}

/**
 * Parses and checks a bundle's shape.
 *
 * @param text The bundle file's text.
 * @returns The parsed bundle.
 * @throws {BundleFormatError} When it is not JSON, has an unknown media type, no or
 *   several signatures, no DSSE envelope, or no usable verification material.
 * @example
 * ```ts
 * import { parseBundle } from "./bundle.ts";
 * try {
 *   parseBundle("{not json");
 * } catch (err) {
 *   console.assert((err as Error).message === "is not JSON");
 * }
 * ```
 */
export function parseBundle(text: string): ParsedBundle {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new BundleFormatError("is not JSON");
  }
  if (!isObject(doc)) throw new BundleFormatError("is not a JSON object");
  const mediaType = doc.mediaType;
  if (typeof mediaType !== "string" || !BUNDLE_MEDIA_TYPES.includes(mediaType)) {
    throw new BundleFormatError(
      `has an unknown media type ${JSON.stringify(mediaType ?? null).slice(0, 100)}`,
    );
  }
  if (doc.messageSignature !== undefined) {
    throw new BundleFormatError(
      "holds a message signature, which does not name the file: sign a DSSE attestation",
    );
  }
  const envelope = doc.dsseEnvelope;
  if (!isObject(envelope)) throw new BundleFormatError("has no DSSE envelope");
  const { payload, payloadType, signatures } = envelope as Partial<DsseEnvelopeJson>;
  if (!Array.isArray(signatures) || signatures.length === 0) {
    throw new BundleFormatError("has no signature");
  }
  if (signatures.length > 1) {
    throw new BundleFormatError(
      `has ${signatures.length} signatures: airlock accepts exactly one`,
    );
  }
  const signature = fromBase64(signatures[0]?.sig);
  if (!signature || signature.length === 0) {
    throw new BundleFormatError("has a signature that is not base64");
  }
  const payloadBytes = fromBase64(payload);
  if (!payloadBytes) throw new BundleFormatError("has a payload that is not base64");
  if (payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    throw new BundleFormatError(
      `has payload type ${
        JSON.stringify(payloadType ?? null).slice(0, 80)
      }, not ${IN_TOTO_PAYLOAD_TYPE}`,
    );
  }
  const material = doc.verificationMaterial;
  if (!isObject(material)) throw new BundleFormatError("has no verification material");
  if (isObject(material.publicKey)) {
    const hint = material.publicKey.hint;
    if (!isSha256Hex(hint)) {
      throw new BundleFormatError("has a public key hint that is not a hex SHA-256 fingerprint");
    }
    return { kind: "keyed", hint, payloadType, payload: payloadBytes, signature };
  }
  if (isObject(material.certificate) || isObject(material.x509CertificateChain)) {
    return { kind: "keyless", payloadType, payload: payloadBytes, json: doc };
  }
  throw new BundleFormatError("has neither a public key hint nor a certificate");
}

/**
 * Builds a keyed Sigstore bundle v0.3 (no transparency log entry, no timestamp).
 *
 * @param hint The signing key's fingerprint.
 * @param payload The statement bytes.
 * @param signature The DER ECDSA signature over the DSSE pre-authentication encoding.
 * @returns The bundle, ready for `JSON.stringify`.
 */
export function buildKeyedBundle(
  hint: string,
  payload: Uint8Array,
  signature: Uint8Array,
): Record<string, unknown> {
  return {
    mediaType: BUNDLE_MEDIA_TYPE_V03,
    verificationMaterial: {
      publicKey: { hint },
      tlogEntries: [],
      timestampVerificationData: { rfc3161Timestamps: [] },
    },
    dsseEnvelope: {
      payload: toBase64(payload),
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      signatures: [{ sig: toBase64(signature), keyid: "" }],
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
