/**
 * What went wrong with an upstream, from the error Deno's fetch threw: a short cause
 * from a fixed vocabulary, for the audit record and the client's error body. The fetch
 * error's own text is never used as it is: it names the URL, whose query may hold a
 * credential a route injects there.
 *
 * @module
 */

/** A classified upstream failure. */
export interface UpstreamFailure {
  /** For the audit record's `detail`, e.g. `tls: certificate NotValidForName`. */
  detail: string;
  /** For the client, e.g. `the upstream's TLS certificate was refused`. */
  reason: string;
}

const CERT = /invalid peer certificate: ([A-Za-z]+)/;

/**
 * Classifies an upstream fetch error.
 *
 * @param err What fetch threw.
 * @returns The cause, in words safe for logs and clients.
 * @example
 * ```ts
 * import { classifyUpstreamError } from "./upstream_errors.ts";
 * const err = new TypeError("x", { cause: new Error("client error (Connect): invalid peer certificate: UnknownIssuer") });
 * console.assert(classifyUpstreamError(err).detail === "tls: certificate UnknownIssuer");
 * const named = new Error("invalid peer certificate: certificate not valid for name \"x\"");
 * console.assert(classifyUpstreamError(named).detail === "tls: certificate NotValidForName");
 * ```
 */
export function classifyUpstreamError(err: unknown): UpstreamFailure {
  const texts: string[] = [];
  for (let e: unknown = err, i = 0; e && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    texts.push(String((e as Error).message ?? e));
  }
  const text = texts.join(" | ");
  const cert = CERT.exec(text);
  if (cert) {
    // rustls words some refusals ("certificate not valid for name …") instead of naming them.
    const name = /not valid for name/.test(text) ? "NotValidForName" : cert[1];
    return {
      detail: `tls: certificate ${name}`,
      reason: "the upstream's TLS certificate was refused",
    };
  }
  if (/tls|handshake|corrupt message|InvalidContentType|alert|certificate/i.test(text)) {
    return {
      detail: "tls: handshake failed",
      reason: "the TLS handshake with the upstream failed",
    };
  }
  if (/socks/i.test(text)) {
    return { detail: "connect: refused by the hop", reason: "the upstream could not be reached" };
  }
  if (/reset|stream error received/i.test(text)) {
    return { detail: "reset by the upstream", reason: "the upstream reset the connection" };
  }
  if (/closed|eof|IncompleteMessage|broken pipe/i.test(text)) {
    return { detail: "closed by the upstream", reason: "the upstream closed the connection" };
  }
  const name = err instanceof Error ? err.name : "Error";
  return { detail: name, reason: "the upstream could not be reached" };
}
