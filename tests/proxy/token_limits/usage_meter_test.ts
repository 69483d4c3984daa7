import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { type TokenUsage, UsageMeter } from "../../../src/proxy/token_limits/usage_meter.ts";

const enc = new TextEncoder();
const SSE = "text/event-stream; charset=utf-8";

/** Streams as each provider sends them (shapes from their API references). */
const STREAMS: [string, "openai" | "anthropic" | "gemini", string, TokenUsage][] = [
  [
    "OpenAI chat completions with stream_options.include_usage",
    "openai",
    [
      `data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi"}}],"usage":null}`,
      `data: {"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":5,"total_tokens":16}}`,
      `data: [DONE]`,
    ].map((l) => l + "\n\n").join(""),
    { input: 11, output: 5, total: 16 },
  ],
  [
    "OpenAI Responses API (response.completed carries response.usage)",
    "openai",
    [
      `event: response.created\ndata: {"type":"response.created","response":{"id":"r1","usage":null}}`,
      `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"hi"}`,
      `event: response.completed\ndata: {"type":"response.completed","response":{"id":"r1","usage":{"input_tokens":12,"output_tokens":7,"output_tokens_details":{"reasoning_tokens":3},"total_tokens":19}}}`,
    ].map((l) => l + "\n\n").join(""),
    { input: 12, output: 7, total: 19 },
  ],
  [
    "Anthropic messages (message_start input, cumulative message_delta output)",
    "anthropic",
    [
      `event: message_start\ndata: {"type":"message_start","message":{"id":"m1","usage":{"input_tokens":25,"cache_read_input_tokens":100,"output_tokens":1}}}`,
      `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"usage is high"}}`,
      `event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":9}}`,
      `event: message_delta\ndata: {"type":"message_delta","delta":{},"usage":{"output_tokens":15}}`,
      `event: message_stop\ndata: {"type":"message_stop"}`,
    ].map((l) => l + "\n\n").join(""),
    { input: 125, output: 15, total: 140 },
  ],
  [
    "Gemini streamGenerateContent?alt=sse (cumulative usageMetadata, CRLF lines)",
    "gemini",
    [
      `data: {"candidates":[{"content":{"parts":[{"text":"a"}]}}],"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":2,"totalTokenCount":10}}`,
      `data: {"candidates":[{"content":{"parts":[{"text":"b"}]}}],"usageMetadata":{"promptTokenCount":8,"candidatesTokenCount":20,"thoughtsTokenCount":4,"totalTokenCount":32}}`,
    ].map((l) => l + "\r\n\r\n").join(""),
    { input: 8, output: 24, total: 32 },
  ],
];

function meter(
  dialect: "openai" | "anthropic" | "gemini",
  type: string,
  chunks: Uint8Array[],
): TokenUsage | undefined {
  const m = new UsageMeter(dialect, type);
  for (const c of chunks) m.push(c);
  return m.end();
}

Deno.test("UsageMeter counts each provider's streamed usage, split at every byte", () => {
  for (const [what, dialect, text, want] of STREAMS) {
    const bytes = enc.encode(text);
    assertEquals(meter(dialect, SSE, [bytes]), want, what);
    for (let cut = 0; cut <= bytes.length; cut++) {
      assertEquals(
        meter(dialect, SSE, [bytes.slice(0, cut), bytes.slice(cut)]),
        want,
        `${what}, cut at ${cut}`,
      );
    }
  }
});

Deno.test("UsageMeter counts streamed usage across random chunkings (500 cases)", () => {
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let i = 0; i < 500; i++) {
    const [what, dialect, text, want] = STREAMS[i % STREAMS.length]!;
    const bytes = enc.encode(text);
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < bytes.length;) {
      const len = 1 + rand(40);
      chunks.push(bytes.slice(at, at + len));
      at += len;
    }
    assertEquals(meter(dialect, SSE, chunks), want, `${what}, case ${i}`);
  }
});

Deno.test("UsageMeter counts non-streamed JSON bodies of each provider, and Gemini's JSON array stream", () => {
  const json = "application/json";
  assertEquals(
    meter("openai", json, [
      enc.encode(
        `{"id":"c","choices":[],\n  "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}}`,
      ),
    ]),
    { input: 3, output: 4, total: 7 },
  );
  assertEquals(
    meter("anthropic", json, [
      enc.encode(`{"type":"message","usage":{"input_tokens":10,`),
      enc.encode(`"cache_creation_input_tokens":5,"output_tokens":2}}`),
    ]),
    { input: 15, output: 2, total: 17 },
  );
  assertEquals(
    meter("gemini", json, [
      enc.encode(
        `[{"usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":1,"totalTokenCount":5}},\n`,
      ),
      enc.encode(
        `{"usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":6,"totalTokenCount":10}}]`,
      ),
    ]),
    { input: 4, output: 6, total: 10 },
  );
});

Deno.test("UsageMeter reports nothing for bodies without usage, broken JSON or hostile numbers", () => {
  assertEquals(meter("openai", "application/json", [enc.encode(`{"data":[]}`)]), undefined);
  assertEquals(meter("openai", "application/json", [enc.encode(`{"usage":`)]), undefined);
  assertEquals(meter("openai", SSE, [enc.encode(`data: {"usage": nope}\n\n`)]), undefined);
  // Negative, fractional or huge counts are read as 0, never as a credit.
  assertEquals(
    meter("openai", "application/json", [
      enc.encode(`{"usage":{"prompt_tokens":-50,"completion_tokens":1.5,"total_tokens":1e300}}`),
    ]),
    { input: 0, output: 0, total: 0 },
  );
});

Deno.test("UsageMeter drops an event-stream line over 8 MiB and still counts the lines after it", () => {
  const huge = "data: " + "x".repeat(8_500_000) + "usage\n";
  const after = `data: {"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}\n`;
  const bytes = enc.encode(huge + after);
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += 65536) chunks.push(bytes.slice(at, at + 65536));
  assertEquals(meter("openai", SSE, chunks), { input: 1, output: 2, total: 3 });
});
