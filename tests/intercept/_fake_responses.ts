/**
 * A fake OpenAI Responses API for Codex CLI: `POST /v1/responses` streams the events a
 * turn needs (`response.created`, one assistant message, `response.completed` with usage)
 * over TLS with the test CA's leaf, reached at ADDR:443 through a relay. Everything else
 * answers 404. Each request is recorded with its headers.
 *
 * @module
 */

import { createTestCa, type TestCa } from "../proxy/_support/test_ca.ts";
import { serveTls443 } from "../proxy/_support/port443_upstream.ts";

/** A request the fake saw. */
export interface SeenCall {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** The running fake. */
export interface FakeResponses {
  ca: TestCa;
  addr: string;
  seen: SeenCall[];
  close(): Promise<void>;
}

function event(type: string, fields: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...fields })}\n\n`;
}

/**
 * Starts the fake.
 *
 * @param reply The assistant's answer.
 * @returns The fake.
 */
export async function startFakeResponses(reply: string): Promise<FakeResponses> {
  const ca = await createTestCa();
  const seen: SeenCall[] = [];
  const fake = serveTls443(ca, async (req) => {
    const url = new URL(req.url);
    const body = req.body ? await req.text() : "";
    seen.push({
      method: req.method,
      path: url.pathname,
      headers: Object.fromEntries(req.headers),
      body,
    });
    if (req.method !== "POST" || url.pathname !== "/v1/responses") {
      return Response.json({ error: { message: "not here", type: "invalid_request_error" } }, {
        status: 404,
      });
    }
    const id = `resp_${seen.length}`;
    const text = [
      event("response.created", { response: { id } }),
      event("response.output_item.done", {
        output_index: 0,
        item: {
          type: "message",
          role: "assistant",
          id: `msg_${seen.length}`,
          content: [{ type: "output_text", text: reply }],
        },
      }),
      event("response.completed", {
        response: {
          id,
          usage: {
            input_tokens: 11,
            input_tokens_details: null,
            output_tokens: 3,
            output_tokens_details: null,
            total_tokens: 14,
          },
        },
      }),
    ].join("");
    return new Response(text, { headers: { "content-type": "text/event-stream" } });
  });
  return {
    ca,
    addr: fake.addr,
    seen,
    close: fake.close,
  };
}
