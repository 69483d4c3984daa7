/**
 * The token limits as the proxy app enforces them, driven through `app.request()` with an
 * upstream that answers as each provider does; the clock is the guard's own.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import type { AuditRecord } from "../../../src/audit/session_log.ts";
import { type ActiveRoute, buildProxyApp } from "../../../src/proxy/app.ts";
import { BUILTIN_ROUTES } from "../../../src/proxy/routes.ts";
import { TokenGuard } from "../../../src/proxy/token_limits/guard.ts";
import type { TokenLimits } from "../../../src/proxy/token_limits/config.ts";

const enc = new TextEncoder();

const TOKENS = {
  openai: "sk-proj-PHANTOM",
  anthropic: "sk-ant-api03-PHANTOM",
  gemini: "AIzaPHANTOM",
};
type Provider = keyof typeof TOKENS;

/** A streamed answer reporting `tokens` (half in, half out) in the provider's fields. */
function streamed(provider: Provider, tokens: number): Response {
  const half = tokens / 2;
  const events = provider === "openai"
    ? [
      `data: {"choices":[{"delta":{"content":"hi"}}],"usage":null}`,
      `data: {"choices":[],"usage":{"prompt_tokens":${half},"completion_tokens":${half},"total_tokens":${tokens}}}`,
      "data: [DONE]",
    ]
    : provider === "anthropic"
    ? [
      `event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":${half},"output_tokens":1}}}`,
      `event: message_delta\ndata: {"type":"message_delta","usage":{"output_tokens":${half}}}`,
    ]
    : [
      `data: {"usageMetadata":{"promptTokenCount":${half},"candidatesTokenCount":${half},"totalTokenCount":${tokens}}}`,
    ];
  const parts = events.map((e) => enc.encode(e + "\n\n"));
  return new Response(
    new ReadableStream({
      pull(c) {
        const next = parts.shift();
        if (next) c.enqueue(next);
        else c.close();
      },
    }),
    { headers: { "content-type": "text/event-stream" } },
  );
}

function setup(provider: Provider, limits: TokenLimits, tokensPerAnswer = 0) {
  let now = Date.parse("2026-12-05T12:00:00Z");
  const clock = {
    advance: (ms: number) => now += ms,
  };
  const guard = new TokenGuard(limits, { start: now, now: () => now });
  const sent: { url: URL; body: string }[] = [];
  const audit: AuditRecord[] = [];
  const route: ActiveRoute = {
    spec: BUILTIN_ROUTES[provider]!,
    token: TOKENS[provider],
    secret: enc.encode("REAL-KEY-0123456789"),
    guard,
  };
  const app = buildProxyApp({
    routes: new Map([[provider, route]]),
    upstreamFetch: async (url, init) => {
      sent.push({ url, body: init.body ? await new Response(init.body).text() : "" });
      return streamed(provider, tokensPerAnswer);
    },
    audit: (r) => audit.push(r),
  });
  const headers: Record<string, string> = provider === "openai"
    ? { authorization: `Bearer ${TOKENS.openai}` }
    : provider === "anthropic"
    ? { "x-api-key": TOKENS.anthropic }
    : { "x-goog-api-key": TOKENS.gemini };
  const path = provider === "openai"
    ? "/openai/v1/chat/completions"
    : provider === "anthropic"
    ? "/anthropic/v1/messages"
    : "/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse";
  const call = async (body = `{"model":"m","stream":true}`, at = path) => {
    const res = await app.request(at, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body,
    });
    const text = await res.text();
    return { status: res.status, text, json: () => JSON.parse(text), headers: res.headers };
  };
  return { call, sent, audit, guard, clock };
}

Deno.test("max_requests: exactly N requests pass, the next gets 403 in the provider's shape and one audit record", async () => {
  for (const provider of ["openai", "anthropic", "gemini"] as const) {
    const { call, sent, audit } = setup(provider, { maxRequests: 3 });
    for (let i = 0; i < 3; i++) assertEquals((await call()).status, 200, `${provider} #${i + 1}`);
    const refused = await call();
    assertEquals(refused.status, 403);
    assertEquals(sent.length, 3, "the refused request reached the upstream");
    const body = refused.json();
    if (provider === "openai") {
      assertEquals(body.error.type, "api_error");
      assertEquals(body.error.code, "forbidden");
      assert(body.error.message.includes("max_requests 3 reached"), body.error.message);
    } else if (provider === "anthropic") {
      assertEquals(body.type, "error");
      assertEquals(body.error.type, "permission_error");
      assert(body.error.message.includes("max_requests 3 reached"));
    } else {
      assertEquals(body.error.status, "PERMISSION_DENIED");
      assertEquals(body.error.code, 403);
      assert(body.error.message.includes("max_requests 3 reached"));
    }
    const last = audit.at(-1)!;
    assertEquals([last.status, last.decision, last.limit], [403, "denied-limit", "max_requests"]);
    assertEquals(audit.filter((r) => r.decision === "denied-limit").length, 1);
  }
});

Deno.test("requests_per_minute: N in a minute pass, the next gets 429 with retry-after; a minute later it passes", async () => {
  for (const provider of ["openai", "anthropic", "gemini"] as const) {
    const { call, clock, audit } = setup(provider, { requestsPerMinute: 2 });
    assertEquals((await call()).status, 200);
    clock.advance(20_000);
    assertEquals((await call()).status, 200);
    clock.advance(10_000);
    const limited = await call();
    assertEquals(limited.status, 429, provider);
    // The first request leaves the window 60 s after it was admitted: 30 s from now.
    assertEquals(limited.headers.get("retry-after"), "30");
    const body = limited.json();
    if (provider === "openai") assertEquals(body.error.code, "rate_limit_exceeded");
    else if (provider === "anthropic") assertEquals(body.error.type, "rate_limit_error");
    else assertEquals(body.error.status, "RESOURCE_EXHAUSTED");
    assertEquals(audit.at(-1)!.limit, "requests_per_minute");
    clock.advance(29_999);
    assertEquals((await call()).status, 429, "one millisecond early");
    clock.advance(1);
    assertEquals((await call()).status, 200);
  }
});

Deno.test("max_tokens: streamed usage counts when each stream ends; the budget stops requests at exactly its value", async () => {
  for (const provider of ["openai", "anthropic", "gemini"] as const) {
    // Two answers of 60 tokens use 120: with max_tokens 120 the third is refused…
    const at = setup(provider, { maxTokens: 120 }, 60);
    assertEquals((await at.call()).status, 200);
    assertEquals(at.guard.usage().tokens, { input: 30, output: 30, total: 60 }, provider);
    assertEquals((await at.call()).status, 200);
    const refused = await at.call();
    assertEquals(refused.status, 403, provider);
    assert(refused.text.includes("max_tokens 120 reached (120 used)"), refused.text);
    assertEquals(at.audit[0]!.usage, { input: 30, output: 30, total: 60 });
    // …with max_tokens 121 it passes.
    const above = setup(provider, { maxTokens: 121 }, 60);
    for (let i = 0; i < 3; i++) assertEquals((await above.call()).status, 200);
    assertEquals((await above.call()).status, 403);
  }
});

Deno.test("models: the model named in the JSON body must be allowed; the upstream gets exactly what was checked", async () => {
  const { call, sent, audit } = setup("openai", { models: ["gpt-4o-mini", "gpt-4.1*"] });
  assertEquals((await call(`{"model":"gpt-4o-mini"}`)).status, 200);
  assertEquals((await call(`{"model":"gpt-4.1-nano"}`)).status, 200);
  assertEquals((await call(`{"model":"gpt-5"}`)).status, 403);
  assertEquals(audit.at(-1)!.model, "gpt-5");
  assertEquals(audit.at(-1)!.limit, "models");
  // Duplicate keys: JSON.parse keeps the last; the upstream gets only that one.
  assertEquals((await call(`{"model":"gpt-4o-mini","model":"gpt-5"}`)).status, 403);
  assertEquals((await call(`{"model":"gpt-5", "model":"gpt-4o-mini"}`)).status, 200);
  assertEquals(sent.at(-1)!.body, `{"model":"gpt-4o-mini"}`);
  // An escaped key is the same key.
  assertEquals((await call(`{"mod\\u0065l":"gpt-5"}`)).status, 403);
  // A model that is not a string never matches.
  assertEquals((await call(`{"model":["gpt-4o-mini"]}`)).status, 403);
  // A body naming no model (or not JSON) passes unchanged.
  assertEquals((await call(`{"input":"x"}`)).status, 200);
  assertEquals((await call(`not json`)).status, 200);
  assertEquals(sent.at(-1)!.body, "not json");
  assertEquals(sent.length, 5);
});

Deno.test("models: Gemini's model is read from the path", async () => {
  const { call, audit } = setup("gemini", { models: ["gemini-2.5-*"] });
  assertEquals((await call()).status, 200);
  assertEquals(audit.at(-1)!.model, "gemini-2.5-flash");
  const other = await call("{}", "/gemini/v1beta/models/gemini-3-pro:generateContent");
  assertEquals(other.status, 403);
  const encoded = await call("{}", "/gemini/v1beta/models/gemini%2D3-pro:generateContent");
  assertEquals(encoded.status, 403);
});

Deno.test("expires: the token works until its time, then every request gets 403", async () => {
  const { call, clock, audit } = setup("anthropic", { expires: "10m" });
  assertEquals((await call()).status, 200);
  clock.advance(600_000 - 1);
  assertEquals((await call()).status, 200);
  clock.advance(1);
  const expired = await call();
  assertEquals(expired.status, 403);
  assertEquals(expired.json().error.type, "permission_error");
  assertEquals(audit.at(-1)!.limit, "expires");
  assert(audit.at(-1)!.detail!.includes("2026-12-05T12:10:00.000Z"));
});

Deno.test("a request a limit refused is not counted against max_requests", async () => {
  const { call, guard } = setup("openai", { maxRequests: 1, models: ["a"] });
  assertEquals((await call(`{"model":"b"}`)).status, 403);
  assertEquals((await call(`{"model":"a"}`)).status, 200);
  assertEquals(guard.usage(), {
    requests: 1,
    refused: 1,
    tokens: { input: 0, output: 0, total: 0 },
  });
});

Deno.test("usage is recorded for LLM routes without limits too", async () => {
  const audit: AuditRecord[] = [];
  const app = buildProxyApp({
    routes: new Map([["openai", {
      spec: BUILTIN_ROUTES.openai!,
      token: TOKENS.openai,
      secret: enc.encode("REAL"),
    }]]),
    upstreamFetch: () =>
      Promise.resolve(
        Response.json({ usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 } }),
      ),
    audit: (r) => audit.push(r),
  });
  const res = await app.request("/openai/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${TOKENS.openai}` },
    body: "{}",
  });
  await res.text();
  assertEquals(audit[0]!.usage, { input: 2, output: 3, total: 5 });
});
