/**
 * The model a request names, for a `models` allowlist: Gemini names it in the path
 * (`/v1beta/models/gemini-2.5-flash:generateContent`), OpenAI and Anthropic in the JSON
 * body's `model`.
 *
 * A body is checked as the upstream will read it: the proxy parses it and, when it is a
 * JSON object, forwards its re-serialisation, so duplicate keys, escapes or comments
 * cannot make the proxy and the upstream see different models.
 *
 * @module
 */

/** Longest model name recorded or matched; a longer one is refused as unknown. */
export const MAX_MODEL_CHARS = 128;

/**
 * The model a Gemini path names (`…/models/NAME:method` or `…/tunedModels/NAME:method`).
 *
 * @param path The path after the route's name (decoded as the router sees it).
 * @returns The model, or undefined.
 * @example
 * ```ts
 * import { pathModel } from "./request_model.ts";
 * console.assert(pathModel("/v1beta/models/gemini-2.5-flash:streamGenerateContent") === "gemini-2.5-flash");
 * console.assert(pathModel("/v1beta/files") === undefined);
 * ```
 */
export function pathModel(path: string): string | undefined {
  const m = /\/(models|tunedModels)\/([^/:?]+)/.exec(path);
  if (!m) return undefined;
  let name = m[2]!;
  try {
    name = decodeURIComponent(name);
  } catch {
    // keep it as sent
  }
  return m[1] === "tunedModels" ? `tunedModels/${name}` : name;
}

/** A request body as the proxy will forward it, and the model it names. */
export interface BodyModel {
  /** The model (`model` of a JSON object), or undefined. */
  model: string | undefined;
  /** The bytes to forward: the re-serialised object, or the body unchanged. */
  body: Uint8Array<ArrayBuffer>;
}

/**
 * Reads the model from a JSON body.
 *
 * @param body The whole request body.
 * @returns The model and the bytes to forward.
 * @example
 * ```ts
 * import { bodyModel } from "./request_model.ts";
 * const r = bodyModel(new TextEncoder().encode('{"model":"a","model":"b"}'));
 * console.assert(r.model === "b" && new TextDecoder().decode(r.body) === '{"model":"b"}');
 * ```
 */
export function bodyModel(body: Uint8Array<ArrayBuffer>): BodyModel {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch {
    return { model: undefined, body };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { model: undefined, body };
  }
  const model = (value as Record<string, unknown>).model;
  return {
    model: typeof model === "string"
      ? model
      : model === undefined
      ? undefined
      : JSON.stringify(model).slice(0, MAX_MODEL_CHARS + 1),
    body: new TextEncoder().encode(JSON.stringify(value)),
  };
}
