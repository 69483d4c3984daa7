/**
 * A fake provider upstream on 127.0.0.1 serving TLS with the test CA. It speaks just
 * enough of the OpenAI, Anthropic and Gemini APIs for the official SDKs, records every
 * request it receives, and can stream in lock-step (each chunk after the test releases
 * it), break a stream mid-way, stall, or answer gzip.
 *
 * @module
 */

import { gzipSync } from "node:zlib";
import type { TestCa } from "./test_ca.ts";

/** What the upstream saw. */
export interface SeenRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** A running fake upstream. */
export interface FakeUpstream {
  port: number;
  /** `https://<host>:<port>` for a host the certificate covers. */
  url(host: string): string;
  seen: SeenRequest[];
  /** Number of chunks in every stream. */
  chunks: number;
  /** Resolves when a client stops reading a stream (the proxy cancelled it). */
  cancelled: Promise<void>;
  /** Lets the next lock-step chunk go. */
  release(): void;
  close(): Promise<void>;
}

/** Options of {@linkcode startFakeUpstream}. */
export interface FakeUpstreamOptions {
  /** Streams wait for {@linkcode FakeUpstream.release} before each chunk after the first. */
  lockstep?: boolean;
  /** Chunks per stream (default 5). */
  chunks?: number;
}

const enc = new TextEncoder();

/** The error a `/reset` stream breaks with (Deno.serve prints it once per test run). */
const RESET_MESSAGE = "fake upstream reset";

let onCancel: () => void = () => {};

function sse(
  events: string[],
  wait: (i: number) => Promise<void>,
  breakAfter?: number,
): Response {
  const cancelled = onCancel;
  let gone = false;
  const body = new ReadableStream<Uint8Array>({
    cancel() {
      gone = true;
      cancelled();
    },
    async start(controller) {
      for (let i = 0; i < events.length; i++) {
        if (i > 0) await wait(i);
        if (breakAfter !== undefined && i === breakAfter) {
          controller.error(new Error(RESET_MESSAGE));
          return;
        }
        if (gone) return;
        controller.enqueue(enc.encode(events[i]!));
      }
      controller.close();
    },
  });
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

function openaiChunk(text: string | null, finish: string | null): string {
  return `data: ${
    JSON.stringify({
      id: "chatcmpl-fake",
      object: "chat.completion.chunk",
      created: 1,
      model: "gpt-fake",
      choices: [{ index: 0, delta: text === null ? {} : { content: text }, finish_reason: finish }],
    })
  }\n\n`;
}

function anthropicEvent(type: string, data: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data as object })}\n\n`;
}

/**
 * Starts the fake upstream.
 *
 * @param ca The test CA (its leaf is served).
 * @param options Streaming behaviour.
 * @returns The running upstream.
 */
export function startFakeUpstream(ca: TestCa, options: FakeUpstreamOptions = {}): FakeUpstream {
  const seen: SeenRequest[] = [];
  const chunks = options.chunks ?? 5;
  let permits = 0;
  const waiters: (() => void)[] = [];
  const release = () => {
    const w = waiters.shift();
    if (w) w();
    else permits++;
  };
  const wait = (_i: number): Promise<void> => {
    if (!options.lockstep) return new Promise((ok) => setTimeout(ok, 5));
    if (permits > 0) {
      permits--;
      return Promise.resolve();
    }
    return new Promise((ok) => waiters.push(ok));
  };
  let resolveCancelled: () => void = () => {};
  const cancelled = new Promise<void>((ok) => resolveCancelled = ok);
  const stalled = new Set<() => void>();
  const toks = Array.from({ length: chunks }, (_, i) => `tok${i} `);

  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: ca.certPem,
    key: ca.keyPem,
    onListen: () => {},
  }, async (req) => {
    const url = new URL(req.url);
    const body = req.body ? await req.text() : "";
    seen.push({
      method: req.method,
      path: url.pathname + url.search,
      headers: Object.fromEntries(req.headers),
      body,
    });
    onCancel = resolveCancelled;
    const p = url.pathname;
    const json = (x: unknown) => Response.json(x);
    let parsed: { stream?: boolean } = {};
    try {
      parsed = body ? JSON.parse(body) : {};
    } catch { /* not JSON */ }

    if (p.endsWith("/reset")) {
      return sse(toks.map((t) => `data: ${t}\n\n`), wait, 2);
    }
    if (p.endsWith("/slow")) {
      // Stalls until close(): the proxy's headers timeout fires first.
      await new Promise<void>((ok) => stalled.add(ok));
      return new Response("late");
    }
    if (p.endsWith("/gzip")) {
      // Compressed whatever the request accepts (the proxy asks for identity).
      const text = "compressed hello ".repeat(50);
      return new Response(new Uint8Array(gzipSync(enc.encode(text))), {
        headers: { "content-encoding": "gzip", "content-type": "text/plain" },
      });
    }
    if (p.endsWith("/echo")) return json({ bytes: enc.encode(body).length });
    if (p.endsWith("/chat/completions")) {
      if (parsed.stream) {
        return sse(
          [
            ...toks.map((t) => openaiChunk(t, null)),
            openaiChunk(null, "stop") + "data: [DONE]\n\n",
          ],
          wait,
        );
      }
      return json({
        id: "chatcmpl-fake",
        object: "chat.completion",
        created: 1,
        model: "gpt-fake",
        choices: [{
          index: 0,
          message: { role: "assistant", content: "hello from fake openai" },
          finish_reason: "stop",
        }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      });
    }
    if (p.endsWith("/v1/messages")) {
      const message = {
        id: "msg_fake",
        type: "message",
        role: "assistant",
        model: "claude-fake",
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: { input_tokens: 1, output_tokens: 1 },
      };
      if (parsed.stream) {
        return sse([
          anthropicEvent("message_start", {
            message: { ...message, content: [], stop_reason: null },
          }) +
          anthropicEvent("content_block_start", {
            index: 0,
            content_block: { type: "text", text: "" },
          }) +
          anthropicEvent("content_block_delta", {
            index: 0,
            delta: { type: "text_delta", text: toks[0] },
          }),
          ...toks.slice(1).map((t) =>
            anthropicEvent("content_block_delta", {
              index: 0,
              delta: { type: "text_delta", text: t },
            })
          ),
          anthropicEvent("content_block_stop", { index: 0 }) +
          anthropicEvent("message_delta", {
            delta: { stop_reason: "end_turn", stop_sequence: null },
            usage: { output_tokens: chunks },
          }) + anthropicEvent("message_stop", {}),
        ], wait);
      }
      return json({ ...message, content: [{ type: "text", text: "hello from fake anthropic" }] });
    }
    if (p.includes(":streamGenerateContent")) {
      return sse(
        toks.map((t) =>
          `data: ${
            JSON.stringify({ candidates: [{ content: { parts: [{ text: t }], role: "model" } }] })
          }\n\n`
        ),
        wait,
      );
    }
    if (p.includes(":generateContent")) {
      return json({
        candidates: [{
          content: { parts: [{ text: "hello from fake gemini" }], role: "model" },
          finishReason: "STOP",
          index: 0,
        }],
        usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 },
        modelVersion: "gemini-fake",
      });
    }
    return json({ ok: true, path: p });
  });
  const port = server.addr.port;
  return {
    port,
    url: (host) => `https://${host}:${port}`,
    seen,
    chunks,
    cancelled,
    release,
    async close() {
      for (const w of waiters.splice(0)) w();
      for (const s of stalled) s();
      await server.shutdown();
    },
  };
}
