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

/** Bytes kept from the end of a body or line too large to parse whole. */
const TAIL_BYTES = 64 * 1024;

/** A usage object's key and opening brace, as JSON writes it (not inside a string). */
const USAGE_KEY = /"(usage|usageMetadata)"\s*:\s*\{/g;

/** The end (exclusive) of the JSON object opening at `text[open]`, or -1 if it is cut off. */
function objectEnd(text: string, open: number): number {
  let depth = 0;
  let inString = false;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b) depth++;
    else if (c === 0x7d && --depth === 0) return i + 1;
  }
  return -1;
}

/**
 * Reads the last complete usage object in the tail of a body too large to parse whole
 * (providers put usage at the end: a chat completion's `usage` after its choices, a
 * Response's after its output, Gemini's `usageMetadata` last).
 */
function usageFromTail(dialect: UsageDialect, tail: Uint8Array, into: TokenUsage): boolean {
  const text = decoder.decode(tail);
  const found = [...text.matchAll(USAGE_KEY)];
  for (let k = found.length - 1; k >= 0; k--) {
    const m = found[k]!;
    const open = m.index + m[0].length - 1;
    const end = objectEnd(text, open);
    if (end < 0) continue;
    try {
      if (readUsage(dialect, { [m[1]!]: JSON.parse(text.slice(open, end)) }, into)) return true;
    } catch {
      // not an object after all: try an earlier one
    }
  }
  return false;
}

/** The last {@linkcode TAIL_BYTES} of a run of chunks. */
class Tail {
  #parts: Uint8Array[] = [];
  #bytes = 0;

  /** Adds bytes (kept as they are: callers hand over copies). */
  push(part: Uint8Array): void {
    if (part.byteLength === 0) return;
    this.#parts.push(part);
    this.#bytes += part.byteLength;
    while (this.#parts.length > 1 && this.#bytes - this.#parts[0]!.byteLength >= TAIL_BYTES) {
      this.#bytes -= this.#parts.shift()!.byteLength;
    }
  }

  /** The kept bytes, at most {@linkcode TAIL_BYTES}, and a fresh start. */
  take(): Uint8Array {
    const out = new Uint8Array(this.#bytes);
    let at = 0;
    for (const p of this.#parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    this.#parts = [];
    this.#bytes = 0;
    return out.subarray(Math.max(0, out.byteLength - TAIL_BYTES));
  }
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
  /** A body or line past its limit: only its tail is kept, and read when it ends. */
  #overflow = false;
  #tail = new Tail();
  /** A body that carries no usage (not JSON, not an event stream). */
  #off = false;

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
    if (!this.#stream && !type.includes("json")) this.#off = true;
  }

  /**
   * Reads the next chunk of the body.
   *
   * @param chunk The bytes, as the upstream sent them (decompressed).
   */
  push(chunk: Uint8Array): void {
    if (this.#off) return;
    if (!this.#stream) {
      if (this.#overflow) this.#tail.push(chunk);
      else {
        this.#heldBytes += chunk.byteLength;
        this.#held.push(chunk);
        if (this.#heldBytes > MAX_JSON_BYTES) this.#overflowHeld();
      }
      return;
    }
    const first = chunk.indexOf(10);
    if (first < 0) {
      this.#hold(chunk);
      return;
    }
    // The line held bytes began ends here.
    if (this.#overflow) {
      // The end of a line too long to keep: read what its tail holds.
      this.#tail.push(chunk.slice(0, first));
      this.#overflow = false;
      if (usageFromTail(this.#dialect, this.#tail.take(), this.#usage)) this.#seen = true;
    } else if (this.#held.length > 0) {
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

  /** Keeps the start of an unfinished line (of a line past the limit, only its tail). */
  #hold(part: Uint8Array): void {
    if (this.#overflow) {
      this.#tail.push(part.slice());
      return;
    }
    this.#heldBytes += part.byteLength;
    this.#held.push(part.slice());
    if (this.#heldBytes > MAX_LINE_BYTES) this.#overflowHeld();
  }

  /** Past the limit: from now on keep only the tail. */
  #overflowHeld(): void {
    for (const p of this.#held) this.#tail.push(p);
    this.#held = [];
    this.#heldBytes = 0;
    this.#overflow = true;
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
    if (this.#overflow) {
      if (usageFromTail(this.#dialect, this.#tail.take(), this.#usage)) this.#seen = true;
    } else if (this.#stream) {
      if (this.#held.length > 0 && !this.#overflow) {
        this.#held.push(new Uint8Array(0));
        this.#line(this.#join());
      }
    } else if (this.#held.length > 0) {
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
