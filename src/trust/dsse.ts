/**
 * DSSE (Dead Simple Signing Envelope): the pre-authentication encoding that is what a
 * DSSE signature actually signs, and the envelope's shape.
 *
 * @see https://github.com/secure-systems-lab/dsse/blob/master/protocol.md
 * @module
 */

/** The payload type of an in-toto statement. */
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";

/** A DSSE envelope as JSON (payload and signatures in base64). */
export interface DsseEnvelopeJson {
  /** The payload, base64. */
  payload: string;
  /** The payload's media type. */
  payloadType: string;
  /** The signatures; airlock requires exactly one. */
  signatures: { sig: string; keyid?: string }[];
}

/**
 * The pre-authentication encoding `DSSEv1 SP len(type) SP type SP len(body) SP body`
 * (lengths in decimal bytes).
 *
 * @param payloadType The payload's media type.
 * @param payload The payload bytes.
 * @returns The bytes to sign or verify.
 * @example
 * ```ts
 * import { pae } from "./dsse.ts";
 * const bytes = pae("t", new TextEncoder().encode("hi"));
 * console.assert(new TextDecoder().decode(bytes) === "DSSEv1 1 t 2 hi");
 * ```
 */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array<ArrayBuffer> {
  const encoder = new TextEncoder();
  const type = encoder.encode(payloadType);
  const head = encoder.encode(`DSSEv1 ${type.length} ${payloadType} ${payload.length} `);
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}
