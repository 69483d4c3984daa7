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
  /**
   * Models named deeper in the object, where an upstream reads them: Anthropic's Message
   * Batches (`requests[].params.model`), OpenAI's Realtime client secrets (`session.model`)
   * and Evals runs (`data_source.model`).
   */
  nested?: string[];
  /**
   * The body looks like JSON (its first byte past whitespace, NULs and byte-order marks is
   * `{` or `[`) but the proxy could not read it as an object: a laxer upstream parser
   * (`NaN`, UTF-16, invalid UTF-8, comments) could still read a model from it.
   */
  unreadable?: boolean;
}

/** Whether a body's first meaningful byte opens a JSON object or array. */
function looksLikeJson(body: Uint8Array): boolean {
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    if (b === 0x7b || b === 0x5b) return true;
    // whitespace, NUL (UTF-16/32), and the bytes of UTF-8/16/32 byte-order marks
    if (![0x20, 0x09, 0x0a, 0x0d, 0x00, 0xef, 0xbb, 0xbf, 0xfe, 0xff].includes(b)) return false;
  }
  return false;
}

/** A model as recorded: a string as is, anything else as its JSON. */
function modelText(model: unknown): string {
  return typeof model === "string"
    ? model
    : String(JSON.stringify(model)).slice(0, MAX_MODEL_CHARS + 1);
}

/** The models named in the nested places an upstream reads them. */
function nestedModels(o: Record<string, unknown>): string[] {
  const out: string[] = [];
  const at = (v: unknown, key: string) => {
    if (typeof v === "object" && v !== null && !Array.isArray(v)) {
      const m = (v as Record<string, unknown>)[key];
      if (m !== undefined) out.push(modelText(m));
    }
  };
  if (Array.isArray(o.requests)) {
    for (const r of o.requests) {
      if (typeof r === "object" && r !== null) at((r as Record<string, unknown>).params, "model");
    }
  }
  at(o.session, "model");
  at(o.data_source, "model");
  return out;
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
    return { model: undefined, body, unreadable: looksLikeJson(body) };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { model: undefined, body, unreadable: Array.isArray(value) };
  }
  const model = (value as Record<string, unknown>).model;
  const nested = nestedModels(value as Record<string, unknown>);
  return {
    model: model === undefined ? undefined : modelText(model),
    body: new TextEncoder().encode(JSON.stringify(value)),
    ...(nested.length > 0 ? { nested } : {}),
  };
}

/** A `Content-Disposition` line whose field name is `model`, however it is quoted or encoded. */
const MODEL_PART =
  /^content-disposition:[^\r\n]*\bname\*?\s*=\s*["']?(?:[\w-]*'[\w-]*')?model(?:["';\s]|$)/gim;

/**
 * The `model` fields of a `multipart/form-data` body (OpenAI's audio and image endpoints
 * name the model there). Parsers differ on odd part headers, so the body's raw part
 * headers are counted too: a `model` part the proxy's parser does not read as text makes
 * the body unreadable, never unchecked.
 *
 * @param body The whole request body.
 * @param contentType Its `content-type` (with the boundary).
 * @returns The models named, and whether some part could not be read.
 * @example
 * ```ts
 * import { formModels } from "./request_model.ts";
 * const body = new TextEncoder().encode('--b\r\ncontent-disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n--b--\r\n');
 * const r = await formModels(body, "multipart/form-data; boundary=b");
 * console.assert(r.models[0] === "whisper-1" && !r.unreadable);
 * ```
 */
export async function formModels(
  body: Uint8Array<ArrayBuffer>,
  contentType: string,
): Promise<{ models: string[]; unreadable: boolean }> {
  const raw = new TextDecoder("latin1").decode(body).match(MODEL_PART)?.length ?? 0;
  let fields: FormDataEntryValue[];
  try {
    fields = (await new Response(body, { headers: { "content-type": contentType } }).formData())
      .getAll("model");
  } catch {
    return { models: [], unreadable: true };
  }
  const models = fields.filter((f): f is string => typeof f === "string");
  return { models, unreadable: models.length !== fields.length || raw > models.length };
}
