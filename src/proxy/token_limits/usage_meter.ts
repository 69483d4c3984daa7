/**
 * Counts the LLM tokens a response reports, as its bytes go by: OpenAI's `usage`
 * (Chat Completions `prompt_tokens`/`completion_tokens`, Responses `input_tokens`/
 * `output_tokens`, also inside a streamed `response.completed` event's `response`),
 * Anthropic's `usage` (`input_tokens` plus cache reads and writes, `output_tokens`; in a
 * stream, `message_start`'s `message.usage` and each `message_delta`'s cumulative
 * `usage`) and Gemini's `usageMetadata` (`promptTokenCount`, `candidatesTokenCount`,
 * `thoughtsTokenCount`, `totalTokenCount`).
 *
 * Providers report cumulative counts, so each field keeps the largest value seen in the
 * response. An event stream is read line by line and only a line that holds `usage` is
 * parsed; any other body is kept (up to {@linkcode MAX_JSON_BYTES}) and parsed when it ends.
 *
 * @module
 */

/** LLM tokens one response (or a session) used. */
export interface TokenUsage {
  /** Input (prompt) tokens, cached ones included. */
  input: number;
  /** Output tokens, reasoning ones included. */
  output: number;
  /** Their total, as the provider reports it (at least input + output). */
  total: number;
}

/** Whose usage fields to read. */
export type UsageDialect = "openai" | "anthropic" | "gemini";

/** Largest non-stream body kept for counting; a larger one is not counted. */
export const MAX_JSON_BYTES = 8 * 1024 * 1024;

/**
 * Longest event-stream line kept for counting (a Responses API `response.completed` event
 * holds the whole answer).
 */
const MAX_LINE_BYTES = 8 * 1024 * 1024;

const USAGE = new TextEncoder().encode("sage");
const decoder = new TextDecoder();

/** Whether `bytes[from, to)` holds `usage` (found by its tail `sage`, preceded by `u`). */
function holdsUsage(bytes: Uint8Array, from: number, to: number): boolean {
  const view = bytes.subarray(from, to);
  for (
    let i = view.indexOf(0x73, 1);
    i >= 0 && i + 4 <= view.length;
    i = view.indexOf(0x73, i + 1)
  ) {
    if (
      view[i - 1] === 0x75 && view[i + 1] === USAGE[1] && view[i + 2] === USAGE[2] &&
      view[i + 3] === USAGE[3]
    ) {
      return true;
    }
  }
  return false;
}

function n(v: unknown): number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : 0;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? v as Obj : undefined;

/**
 * Reads one parsed JSON value's usage fields into a running maximum. Every provider's
 * fields are read whatever the route's dialect (the dialect's own first): a provider's
 * OpenAI-compatible endpoint (Gemini's `/v1beta/openai/…`, Anthropic's `/v1/chat/completions`)
 * reports OpenAI's fields on a Gemini or Anthropic route, and reading only the dialect's
 * would count such a response as 0 tokens. Taking the largest reading never counts less.
 */
function readUsage(_dialect: UsageDialect, value: unknown, into: TokenUsage): boolean {
  const o = obj(value);
  if (!o) return false;
  let input = 0, output = 0, total = 0, seen = false;
  const g = obj(o.usageMetadata);
  if (g) {
    seen = true;
    input = n(g.promptTokenCount);
    output = n(g.candidatesTokenCount) + n(g.thoughtsTokenCount);
    total = n(g.totalTokenCount);
  }
  const u = obj(o.usage) ?? obj(obj(o.message)?.usage) ?? obj(obj(o.response)?.usage);
  if (u) {
    seen = true;
    // Anthropic: input_tokens plus cache reads and writes; OpenAI: prompt_tokens or input_tokens.
    input = Math.max(
      input,
      n(u.prompt_tokens),
      n(u.input_tokens) + n(u.cache_creation_input_tokens) + n(u.cache_read_input_tokens),
    );
    output = Math.max(output, n(u.completion_tokens), n(u.output_tokens));
    total = Math.max(total, n(u.total_tokens));
  }
  if (!seen) return false;
  into.input = Math.max(into.input, input);
  into.output = Math.max(into.output, output);
  into.total = Math.max(into.total, total, into.input + into.output);
  return true;
}

/** Counts one response's tokens from its (decoded) body bytes. */
export class UsageMeter {
  readonly #dialect: UsageDialect;
  readonly #stream: boolean;
  #seen = false;
  #usage: TokenUsage = { input: 0, output: 0, total: 0 };
  /** Event stream: the unfinished line; other bodies: every chunk. */
  #held: Uint8Array[] = [];
  #heldBytes = 0;
  #overflow = false;

  /**
   * Creates a meter for one response.
   *
   * @param dialect Whose usage fields to read.
   * @param contentType The response's `content-type` (an event stream is read by line).
   */
  constructor(dialect: UsageDialect, contentType: string | null) {
    this.#dialect = dialect;
    const type = (contentType ?? "").toLowerCase();
    this.#stream = type.includes("text/event-stream");
    // Only JSON carries usage: any other body (a file, an image) is not kept.
    if (!this.#stream && !type.includes("json")) this.#overflow = true;
  }

  /**
   * Reads the next chunk of the body.
   *
   * @param chunk The bytes, as the upstream sent them (decompressed).
   */
  push(chunk: Uint8Array): void {
    if (!this.#stream) {
      if (this.#overflow) return;
      this.#heldBytes += chunk.byteLength;
      if (this.#heldBytes > MAX_JSON_BYTES) {
        this.#overflow = true;
        this.#held = [];
      } else this.#held.push(chunk);
      return;
    }
    const first = chunk.indexOf(10);
    if (first < 0) {
      this.#hold(chunk);
      return;
    }
    // The line held bytes began ends here.
    if (this.#overflow) this.#overflow = false; // the end of a line too long to keep
    else if (this.#held.length > 0) {
      this.#held.push(chunk.subarray(0, first));
      this.#line(this.#join());
    } else this.#line(chunk.subarray(0, first));
    // Whole lines: split only when `usage` is among them (one search over the chunk's text,
    // a fraction of a millisecond per MB; most chunks hold none).
    const last = chunk.lastIndexOf(10);
    if (last > first && decoder.decode(chunk.subarray(first + 1, last)).includes("usage")) {
      let start = first + 1;
      for (
        let nl = chunk.indexOf(10, start);
        nl >= 0 && nl <= last;
        nl = chunk.indexOf(10, start)
      ) {
        this.#line(chunk.subarray(start, nl));
        start = nl + 1;
      }
    }
    if (last + 1 < chunk.byteLength) this.#hold(chunk.subarray(last + 1));
  }

  /** Keeps the start of an unfinished line (a line past the limit is dropped up to its end). */
  #hold(part: Uint8Array): void {
    if (this.#overflow) return;
    this.#heldBytes += part.byteLength;
    if (this.#heldBytes > MAX_LINE_BYTES) {
      this.#held = [];
      this.#heldBytes = 0;
      this.#overflow = true;
    } else this.#held.push(part.slice());
  }

  #join(): Uint8Array {
    const out = new Uint8Array(this.#heldBytes + this.#held[this.#held.length - 1]!.byteLength);
    let at = 0;
    for (const part of this.#held) {
      out.set(part, at);
      at += part.byteLength;
    }
    this.#held = [];
    this.#heldBytes = 0;
    return out.subarray(0, at);
  }

  #line(line: Uint8Array): void {
    if (!holdsUsage(line, 0, line.byteLength)) return;
    const text = decoder.decode(line).trim();
    if (!text.startsWith("data:")) return;
    try {
      if (readUsage(this.#dialect, JSON.parse(text.slice(5)), this.#usage)) this.#seen = true;
    } catch {
      // not JSON (e.g. `data: [DONE]`): no usage here
    }
  }

  /**
   * Ends the body.
   *
   * @returns The tokens the response reported, or undefined when it reported none.
   * @example
   * ```ts
   * import { UsageMeter } from "./usage_meter.ts";
   * const m = new UsageMeter("openai", "application/json");
   * m.push(new TextEncoder().encode('{"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}'));
   * console.assert(m.end()?.total === 7);
   * ```
   */
  end(): TokenUsage | undefined {
    if (this.#stream) {
      if (this.#held.length > 0 && !this.#overflow) {
        this.#held.push(new Uint8Array(0));
        this.#line(this.#join());
      }
    } else if (!this.#overflow && this.#held.length > 0) {
      this.#held.push(new Uint8Array(0));
      const body = this.#join();
      if (holdsUsage(body, 0, body.byteLength)) {
        try {
          const value = JSON.parse(decoder.decode(body));
          // Gemini's streamGenerateContent without alt=sse sends a JSON array.
          for (const v of Array.isArray(value) ? value : [value]) {
            if (readUsage(this.#dialect, v, this.#usage)) this.#seen = true;
          }
        } catch {
          // not JSON: no usage
        }
      }
    }
    this.#held = [];
    return this.#seen ? { ...this.#usage } : undefined;
  }
}
