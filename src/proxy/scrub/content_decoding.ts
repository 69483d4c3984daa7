/**
 * Undoes a response's `Content-Encoding` so that its body can be scrubbed. The proxy asks
 * every upstream for `identity`; an upstream that compresses anyway gets its body decoded
 * here (`gzip`, `x-gzip`, `deflate`, `br`, in the order they were applied, any number of
 * layers) and relayed as identity. Any other coding cannot be inspected, so the response
 * is refused: the real key could hide in it.
 *
 * @module
 */

const FORMATS: Readonly<Record<string, CompressionFormat>> = {
  gzip: "gzip",
  "x-gzip": "gzip",
  deflate: "deflate",
  br: "brotli" as CompressionFormat,
};

/** How a response body must be decoded before scrubbing. */
export type DecodePlan =
  | { ok: true; formats: CompressionFormat[] }
  | { ok: false; coding: string };

/**
 * Reads a `Content-Encoding` value.
 *
 * @param value The header's value, or null.
 * @returns The decompression formats to apply in order, or the coding that cannot be
 *   decoded.
 * @example
 * ```ts
 * import { decodePlan } from "./content_decoding.ts";
 * const p = decodePlan("gzip, br");
 * console.assert(p.ok && p.formats.join() === "brotli,gzip");
 * console.assert(!decodePlan("zstd").ok);
 * ```
 */
export function decodePlan(value: string | null): DecodePlan {
  if (value === null) return { ok: true, formats: [] };
  const formats: CompressionFormat[] = [];
  for (const raw of value.split(",")) {
    const coding = raw.trim().toLowerCase();
    if (coding === "" || coding === "identity") continue;
    const format = FORMATS[coding];
    if (format === undefined) return { ok: false, coding: coding.slice(0, 40) };
    formats.unshift(format); // the last coding applied is undone first
  }
  return { ok: true, formats };
}

/**
 * Decodes a body through each format of a plan.
 *
 * @param body The encoded body.
 * @param formats From {@linkcode decodePlan}.
 * @returns The decoded body (a decoding error errors the stream).
 */
export function decodeBody(
  body: ReadableStream<Uint8Array>,
  formats: readonly CompressionFormat[],
): ReadableStream<Uint8Array> {
  let out = body;
  for (const format of formats) {
    const stream = new DecompressionStream(format) as unknown as ReadableWritablePair<
      Uint8Array,
      Uint8Array
    >;
    out = out.pipeThrough(stream);
  }
  return out;
}
