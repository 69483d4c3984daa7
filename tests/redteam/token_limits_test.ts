/**
 * Red-team cases for the per-token limits (issue 11), played as a hijacked agent that wants
 * to use a forbidden model, make more requests or spend more tokens than allowed, and as a
 * hostile upstream. Each drives the real proxy app in process (`buildProxyApp`) with a stub
 * upstream that records what reached it; a case named `held` is a defence that held, `fixed`
 * a bypass found here and closed, `open` a gap that remains (documented in docs/proxy.md
 * "What the limits do not do" unless said otherwise) and pins today's behaviour.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import type { AuditRecord } from "../../src/audit/session_log.ts";
import { type ActiveRoute, buildProxyApp, type ServerEnv } from "../../src/proxy/app.ts";
import { BUILTIN_ROUTES } from "../../src/proxy/routes.ts";
import { TokenGuard } from "../../src/proxy/token_limits/guard.ts";
import type { TokenLimits } from "../../src/proxy/token_limits/config.ts";

const enc = new TextEncoder();
const TOKENS = {
  openai: "sk-proj-PHANTOM",
  anthropic: "sk-ant-api03-PHANTOM",
  gemini: "AIzaPHANTOM",
};
type Provider = keyof typeof TOKENS;
const AUTH: Record<Provider, Record<string, string>> = {
  openai: { authorization: `Bearer ${TOKENS.openai}` },
  anthropic: { "x-api-key": TOKENS.anthropic },
  gemini: { "x-goog-api-key": TOKENS.gemini },
};

type Answer = (url: URL, body: string) => Response | Promise<Response>;
const json = (v: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(v), { headers: { "content-type": "application/json", ...headers } });

function proxy(provider: Provider, limits: TokenLimits, answer: Answer = () => json({})) {
  let now = Date.parse("2026-12-05T12:00:00Z");
  const guard = new TokenGuard(limits, { start: now, now: () => now });
  const sent: { url: URL; body: string; headers: Headers }[] = [];
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
      const body = init.body ? await new Response(init.body).text() : "";
      sent.push({ url, body, headers: new Headers(init.headers) });
      return answer(url, body);
    },
    audit: (r) => audit.push(r),
  });
  const call = async (
    path: string,
    body?: BodyInit,
    headers: Record<string, string> = { "content-type": "application/json" },
    env?: ServerEnv,
  ) => {
    const init: RequestInit = {
      method: body === undefined ? "GET" : "POST",
      headers: { ...AUTH[provider], ...headers },
      ...(body === undefined ? {} : { body }),
      ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
    } as RequestInit;
    const res = env
      ? await app.fetch(new Request(`http://airlock${path}`, init), env)
      : await app.request(path, init);
    return { status: res.status, text: await res.text() };
  };
  /** Sends a request and returns the first chunk of its body, then cancels the rest. */
  const firstChunk = async (path: string, body: string) => {
    const res = await app.request(path, {
      method: "POST",
      headers: { ...AUTH[provider], "content-type": "application/json" },
      body,
    });
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    await reader.cancel();
    return new TextDecoder().decode(value);
  };
  return { call, firstChunk, sent, audit, guard, advance: (ms: number) => now += ms };
}

const OPENAI_CHAT = "/openai/v1/chat/completions";
const ALLOW_MINI: TokenLimits = { models: ["gpt-4o-mini"] };

// ---------------------------------------------------------------- model smuggling

Deno.test("redteam held: JSON tricks cannot make the upstream read a model the proxy did not check", async () => {
  const cases: [string, string][] = [
    ["duplicate keys, forbidden last", `{"model":"gpt-4o-mini","model":"gpt-5"}`],
    ["unicode-escaped key", `{"mod\\u0065l":"gpt-5"}`],
    ["unicode-escaped value", `{"model":"gpt-4o-min\\u0069x"}`],
    ["UTF-8 byte-order mark", `\uFEFF{"model":"gpt-5"}`],
    ["model as an array", `{"model":["gpt-4o-mini","gpt-5"]}`],
    ["model as an object", `{"model":{"name":"gpt-5"}}`],
    ["model with a NUL", `{"model":"gpt-4o-mini\\u0000gpt-5"}`],
  ];
  for (const [what, body] of cases) {
    const { call, sent } = proxy("openai", ALLOW_MINI);
    const r = await call(OPENAI_CHAT, body);
    assertEquals(r.status, 403, what);
    assertEquals(sent.length, 0, what);
  }
  // The allowed model with a duplicate, allowed last: forwarded re-serialised, one key.
  const { call, sent } = proxy("openai", ALLOW_MINI);
  assertEquals((await call(OPENAI_CHAT, `{"model":"gpt-5","model":"gpt-4o-mini"}`)).status, 200);
  assertEquals(sent[0]!.body, `{"model":"gpt-4o-mini"}`);
});

Deno.test("redteam fixed: a JSON-looking body the proxy cannot parse (NaN, comments, UTF-16, bad UTF-8) is refused, not forwarded unchecked", async () => {
  // Python's json accepts NaN and UTF-16/32 bytes; Go's accepts invalid UTF-8: before the
  // fix each was forwarded unchanged with no model checked.
  const utf16 = (s: string) => {
    const b = new Uint8Array(s.length * 2);
    for (let i = 0; i < s.length; i++) b[i * 2] = s.charCodeAt(i);
    return b;
  };
  const cases: [string, BodyInit][] = [
    ["NaN", `{"model":"gpt-5","temperature":NaN}`],
    ["comment", `{/* x */"model":"gpt-5"}`],
    ["trailing comma", `{"model":"gpt-5",}`],
    ["UTF-16LE", utf16(`{"model":"gpt-5"}`)],
    ["UTF-16LE with BOM", new Uint8Array([0xff, 0xfe, ...utf16(`{"model":"gpt-5"}`)])],
    [
      "invalid UTF-8",
      new Uint8Array([...enc.encode(`{"model":"gpt-5","x":"`), 0xff, ...enc.encode(`"}`)]),
    ],
    ["top-level array", `[{"model":"gpt-5"}]`],
  ];
  for (const [what, body] of cases) {
    const { call, sent, audit } = proxy("openai", ALLOW_MINI);
    const r = await call(OPENAI_CHAT, body);
    assertEquals(r.status, 403, what);
    assertEquals(sent.length, 0, what);
    assertEquals(audit.at(-1)!.limit, "models", what);
  }
});

Deno.test("redteam fixed: a gzip-compressed request body under a models limit is refused", async () => {
  const gz = await new Response(
    new Blob([`{"model":"gpt-5"}`]).stream().pipeThrough(new CompressionStream("gzip")),
  ).bytes();
  const { call, sent } = proxy("openai", ALLOW_MINI);
  const r = await call(OPENAI_CHAT, gz, {
    "content-type": "application/json",
    "content-encoding": "gzip",
  });
  assertEquals(r.status, 403);
  assertEquals(sent.length, 0);
});

Deno.test("redteam held: a JSON body under another content type, or chunked, is still checked", async () => {
  for (
    const type of ["text/plain", "application/octet-stream", "application/x-www-form-urlencoded"]
  ) {
    const { call, sent } = proxy("openai", ALLOW_MINI);
    assertEquals(
      (await call(OPENAI_CHAT, `{"model":"gpt-5"}`, { "content-type": type })).status,
      403,
      type,
    );
    assertEquals(sent.length, 0);
  }
  const { call, sent } = proxy("openai", ALLOW_MINI);
  const parts = [`{"mo`, `del":"gp`, `t-5"}`].map((s) => enc.encode(s));
  const chunked = new ReadableStream<Uint8Array>({
    pull(c) {
      const p = parts.shift();
      if (p) c.enqueue(p);
      else c.close();
    },
  });
  assertEquals((await call(OPENAI_CHAT, chunked)).status, 403);
  assertEquals(sent.length, 0);
});

Deno.test("redteam fixed: a model in the query string (OpenAI Realtime's ?model=) is checked", async () => {
  const { call, sent } = proxy("openai", ALLOW_MINI);
  const sdp = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\n";
  assertEquals(
    (await call("/openai/v1/realtime?model=gpt-realtime", sdp, {
      "content-type": "application/sdp",
    })).status,
    403,
  );
  assertEquals(
    (await call("/openai/v1/realtime?model=gpt-4o-mini&model=gpt-5", `{"model":"gpt-4o-mini"}`))
      .status,
    403,
  );
  assertEquals(
    (await call("/openai/v1/realtime?model=gpt-4o-mini", sdp, {
      "content-type": "application/sdp",
    })).status,
    200,
  );
  assertEquals(sent.length, 1);
});

Deno.test("redteam fixed: models nested where an upstream reads them (Anthropic batches, Realtime sessions, Evals) are checked", async () => {
  {
    const { call, sent } = proxy("anthropic", { models: ["claude-haiku-*"] });
    const batch = (m: string) =>
      JSON.stringify({
        requests: [
          { custom_id: "a", params: { model: "claude-haiku-4-5", max_tokens: 5, messages: [] } },
          { custom_id: "b", params: { model: m, max_tokens: 5, messages: [] } },
        ],
      });
    assertEquals(
      (await call("/anthropic/v1/messages/batches", batch("claude-opus-4-1"))).status,
      403,
    );
    assertEquals(sent.length, 0);
    assertEquals(
      (await call("/anthropic/v1/messages/batches", batch("claude-haiku-4-5"))).status,
      200,
    );
  }
  {
    const { call, sent } = proxy("openai", ALLOW_MINI);
    const secrets = JSON.stringify({ session: { type: "realtime", model: "gpt-realtime" } });
    assertEquals((await call("/openai/v1/realtime/client_secrets", secrets)).status, 403);
    const evals = JSON.stringify({ data_source: { type: "completions", model: "o3" } });
    assertEquals((await call("/openai/v1/evals/e1/runs", evals)).status, 403);
    assertEquals(sent.length, 0);
  }
});

Deno.test("redteam held: OpenAI Responses, Assistants runs and Gemini's OpenAI-compatible endpoint name the model at the top level", async () => {
  const { call, sent } = proxy("openai", ALLOW_MINI);
  assertEquals((await call("/openai/v1/responses", `{"model":"gpt-5","input":"x"}`)).status, 403);
  assertEquals(
    (await call("/openai/v1/threads/runs", `{"assistant_id":"a","model":"gpt-5"}`)).status,
    403,
  );
  assertEquals(sent.length, 0);
  const g = proxy("gemini", { models: ["gemini-2.5-flash"] });
  assertEquals(
    (await g.call("/gemini/v1beta/openai/chat/completions", `{"model":"gemini-2.5-pro"}`)).status,
    403,
  );
  assertEquals(
    (await g.call("/gemini/v1beta/cachedContents", `{"model":"models/gemini-2.5-pro"}`)).status,
    403,
  );
  assertEquals(g.sent.length, 0);
});

Deno.test("redteam held: Gemini path variants (%2F, .., upper case, tunedModels) cannot reach a forbidden model", async () => {
  const { call, sent } = proxy("gemini", { models: ["gemini-2.5-flash*"] });
  const body = `{"contents":[]}`;
  // Encoded slashes and dot segments never reach the router (400); a different case is a
  // different name (403).
  for (
    const [path, status] of [
      ["/gemini/v1beta/models/gemini-2.5-flash%2F..%2Fgemini-2.5-pro:generateContent", 400],
      // (in process the Request's URL resolves `..` first: 403 then; over TCP it is 400)
      ["/gemini/v1beta/models/gemini-2.5-flash/../gemini-2.5-pro:generateContent", 403],
      ["/gemini/v1beta/models/gemini-2.5-flash%252F..%252Fgemini-2.5-pro:generateContent", 400],
      ["/gemini/v1beta/models/GEMINI-2.5-PRO:generateContent", 403],
      ["/gemini/v1beta/models/gemini-2.5-pro:generateContent?model=gemini-2.5-flash", 403],
      ["/gemini/v1beta/tunedModels/gemini-2.5-flash:generateContent", 403],
      ["/gemini/v1/models/gemini-2.5-pro:streamGenerateContent?alt=sse", 403],
    ] as const
  ) {
    assertEquals((await call(path, body)).status, status, path);
  }
  assertEquals(sent.length, 0);
});

Deno.test("redteam fixed: a multipart body's model field is checked, however its part header is written", async () => {
  // /v1/audio/transcriptions and /v1/images/edits name their model in a form field.
  const { call, sent } = proxy("openai", ALLOW_MINI);
  const form = async (model: string) => {
    const f = new FormData();
    f.set("model", model);
    f.set("file", new File([new Uint8Array(4)], "a.wav"));
    const req = new Request("http://x/", { method: "POST", body: f });
    return [await req.bytes(), req.headers.get("content-type")!] as const;
  };
  const [bad, badType] = await form("gpt-4o-transcribe");
  assertEquals(
    (await call("/openai/v1/audio/transcriptions", bad, { "content-type": badType })).status,
    403,
  );
  const [good, goodType] = await form("gpt-4o-mini");
  assertEquals(
    (await call("/openai/v1/audio/transcriptions", good, { "content-type": goodType })).status,
    200,
  );
  // Part headers another parser may read as `model` where the proxy's does not: refused.
  const enc = new TextEncoder();
  const type = "multipart/form-data; boundary=B";
  for (
    const header of [
      "Content-Disposition: form-data; name=model", // unquoted
      "content-disposition: form-data; name*=utf-8''model", // RFC 2231
      'Content-Disposition: form-data; name="model"; filename="m.txt"', // a file
    ]
  ) {
    const body = enc.encode(`--B\r\n${header}\r\n\r\ngpt-5\r\n--B--\r\n`);
    assertEquals(
      (await call("/openai/v1/audio/transcriptions", body, { "content-type": type })).status,
      403,
      header,
    );
  }
  assertEquals(sent.length, 1, "only the allowed form reached the upstream");
});

// ---------------------------------------------------------------- request counts

Deno.test("redteam held: a concurrent burst never overruns max_requests or requests_per_minute", async () => {
  for (
    const limits of [{ maxRequests: 5 }, { requestsPerMinute: 5 }, {
      maxRequests: 5,
      models: ["gpt-4o-mini"],
    }]
  ) {
    let release!: () => void;
    const gate = new Promise<void>((r) => release = r);
    const { call, sent } = proxy("openai", limits, async () => {
      await gate;
      return json({});
    });
    const all = Array.from({ length: 40 }, () => call(OPENAI_CHAT, `{"model":"gpt-4o-mini"}`));
    await new Promise((r) => setTimeout(r, 50));
    release();
    const statuses = (await Promise.all(all)).map((r) => r.status);
    assertEquals(statuses.filter((s) => s === 200).length, 5, JSON.stringify(limits));
    assertEquals(sent.length, 5);
  }
});

Deno.test("redteam held: intercepted requests (via: intercept) go through the same guard as base-URL ones", async () => {
  const { call, sent, audit } = proxy("openai", { maxRequests: 2 });
  const env = (p: string): ServerEnv => ({ incoming: { url: p }, via: "intercept" });
  assertEquals((await call(OPENAI_CHAT, `{}`)).status, 200);
  assertEquals(
    (await call("/x", `{}`, { "content-type": "application/json" }, env(OPENAI_CHAT))).status,
    200,
  );
  assertEquals(
    (await call("/x", `{}`, { "content-type": "application/json" }, env(OPENAI_CHAT))).status,
    403,
  );
  assertEquals((await call(OPENAI_CHAT, `{}`)).status, 403);
  assertEquals(sent.length, 2);
  assertEquals(audit.filter((r) => r.via === "intercept").map((r) => r.status), [200, 403]);
});

Deno.test("redteam held: companion routes sharing one guard share one budget (github and github-git)", async () => {
  const guard = new TokenGuard({ maxRequests: 2 });
  const routes = new Map<string, ActiveRoute>();
  for (const name of ["github", "github-git"]) {
    const spec = BUILTIN_ROUTES[name];
    if (!spec) continue;
    routes.set(name, {
      spec,
      token: "ghp_PHANTOM000000000000000000000000000000",
      secret: enc.encode("ghp_REAL"),
      guard,
    });
  }
  assertEquals(routes.size, 2, "both routes exist");
  let upstream = 0;
  const app = buildProxyApp({
    routes,
    upstreamFetch: () => (upstream++, Promise.resolve(new Response("ok"))),
    audit: () => {},
  });
  const statuses: number[] = [];
  for (
    const path of [
      "/github/user",
      "/github-git/o/r.git/info/refs",
      "/github/user",
      "/github-git/o/r.git/info/refs",
    ]
  ) {
    const res = await app.request(path, {
      headers: { authorization: "Bearer ghp_PHANTOM000000000000000000000000000000" },
    });
    await res.body?.cancel();
    statuses.push(res.status);
  }
  assertEquals(upstream, 2, `statuses ${statuses}`);
});

// ---------------------------------------------------------------- token budget

/** An event stream sent in 16 KiB chunks, as a network delivers it. */
const sse = (lines: string[], headers: Record<string, string> = {}) => {
  const all = enc.encode(lines.map((l) => l + "\n\n").join(""));
  let at = 0;
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(c) {
        if (at >= all.length) return c.close();
        c.enqueue(all.slice(at, at += 16 * 1024));
      },
    }),
    { headers: { "content-type": "text/event-stream", ...headers } },
  );
};

Deno.test("redteam fixed: usage reported in OpenAI's fields on Gemini's and Anthropic's OpenAI-compatible endpoints is counted", async () => {
  const usage = { usage: { prompt_tokens: 60, completion_tokens: 50, total_tokens: 110 } };
  for (
    const [provider, path] of [["gemini", "/gemini/v1beta/openai/chat/completions"], [
      "anthropic",
      "/anthropic/v1/chat/completions",
    ]] as const
  ) {
    const { call, guard } = proxy(provider, { maxTokens: 100 }, () => json(usage));
    assertEquals((await call(path, `{"model":"m"}`)).status, 200);
    assertEquals(guard.usage().tokens.total, 110, provider);
    assertEquals((await call(path, `{"model":"m"}`)).status, 403, provider);
  }
  // Streamed too (the chunk with include_usage).
  const { call, guard } = proxy(
    "gemini",
    { maxTokens: 100 },
    () =>
      sse([
        `data: {"choices":[],"usage":{"prompt_tokens":70,"completion_tokens":40}}`,
        "data: [DONE]",
      ]),
  );
  await call("/gemini/v1beta/openai/chat/completions", `{"model":"m","stream":true}`);
  assertEquals(guard.usage().tokens.total, 110);
});

Deno.test("redteam held: a gzip-compressed streamed response's usage is counted", async () => {
  const { call, guard } = proxy("openai", { maxTokens: 10 }, async () => {
    const body =
      `data: {"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":8,"total_tokens":15}}\n\ndata: [DONE]\n\n`;
    const gz = await new Response(
      new Blob([body]).stream().pipeThrough(new CompressionStream("gzip")),
    ).bytes();
    return new Response(gz, {
      headers: { "content-type": "text/event-stream", "content-encoding": "gzip" },
    });
  });
  assertEquals((await call(OPENAI_CHAT, `{}`)).status, 200);
  assertEquals(guard.usage().tokens.total, 15);
  assertEquals((await call(OPENAI_CHAT, `{}`)).status, 403);
});

Deno.test("redteam held: a hostile upstream's negative, fractional, string or huge usage cannot lower the count", async () => {
  const { call, guard } = proxy(
    "openai",
    { maxTokens: 1000 },
    () => json({ usage: { prompt_tokens: -1e9, completion_tokens: 1.5, total_tokens: "-5" } }),
  );
  await call(OPENAI_CHAT, `{}`);
  assertEquals(guard.usage().tokens.total, 0);
  const huge = proxy(
    "openai",
    { maxTokens: 1000 },
    () =>
      json({
        usage: {
          prompt_tokens: Number.MAX_SAFE_INTEGER,
          completion_tokens: Number.MAX_SAFE_INTEGER,
        },
      }),
  );
  await huge.call(OPENAI_CHAT, `{}`);
  assertEquals(
    (await huge.call(OPENAI_CHAT, `{}`)).status,
    403,
    "an overflowing sum still refuses",
  );
});

Deno.test("redteam open: a stream the client cancels before its usage event counts 0 tokens", async () => {
  // OpenAI sends usage only in the last chunk (and only with stream_options.include_usage);
  // Responses only in response.completed. An agent that stops reading after the text gets
  // the answer and is charged nothing. Not spelled out in docs/proxy.md (it lists "a
  // response that reports no usage"); worth a conservative estimate or reading on after a
  // cancel.
  const { firstChunk, guard, sent } = proxy("openai", { maxTokens: 10 }, () =>
    new Response(
      new ReadableStream({
        start(c) {
          c.enqueue(enc.encode(`data: {"choices":[{"delta":{"content":"the whole answer"}}]}\n\n`));
        },
        pull() {
          return new Promise(() => {}); // the usage chunk never comes before the client leaves
        },
      }),
      { headers: { "content-type": "text/event-stream" } },
    ));
  for (let i = 0; i < 3; i++) {
    assert((await firstChunk(OPENAI_CHAT, `{"stream":true}`)).includes("the whole answer"));
  }
  assertEquals(guard.usage().tokens.total, 0);
  assertEquals(sent.length, 3);
});

Deno.test("redteam fixed: a non-stream body over 8 MiB and an event-stream line over 8 MiB are counted from their tails", async () => {
  // The agent controls both sizes: logprobs with top_logprobs=20 or n>1 inflate a chat
  // completion past 8 MiB; the Responses API's streamed response.completed event echoes
  // instructions and tools, so padding them makes the only line with usage huge. Usage
  // comes last in each, so the meter reads it from the last 64 KiB.
  const pad = "x".repeat(8 * 1024 * 1024 + 10);
  const big = proxy(
    "openai",
    { maxTokens: 10 },
    () =>
      json({
        choices: [{ message: { content: pad } }],
        usage: { prompt_tokens: 50, completion_tokens: 50 },
      }),
  );
  await big.call(OPENAI_CHAT, `{}`);
  assertEquals(big.guard.usage().tokens.total, 100);
  for (const size of [2 * 1024 * 1024, 9 * 1024 * 1024]) {
    const line = proxy(
      "openai",
      { maxTokens: 10 },
      () =>
        sse([
          `data: ${
            JSON.stringify({
              type: "response.completed",
              response: {
                instructions: "x".repeat(size) + '"usage":{"input_tokens":1}',
                usage: { input_tokens: 500000, output_tokens: 9 },
              },
            })
          }`,
        ]),
    );
    await line.call("/openai/v1/responses", `{}`);
    assertEquals(line.guard.usage().tokens.total, 500009, `line of ${size} bytes`);
  }
});

// ---------------------------------------------------------------- expiry

Deno.test("redteam held: expiry refuses from its exact instant, whatever the body, on both paths", async () => {
  const { call, advance, sent } = proxy("openai", { expires: "1m", models: ["gpt-4o-mini"] });
  advance(59_999);
  assertEquals((await call(OPENAI_CHAT, `{"model":"gpt-4o-mini"}`)).status, 200);
  advance(1);
  for (const body of [`{"model":"gpt-4o-mini"}`, `{"model":"gpt-5"}`, "{NaN"]) {
    assertEquals((await call(OPENAI_CHAT, body)).status, 403);
  }
  assertEquals((await call("/openai/v1/models")).status, 403, "a GET with no model");
  assertEquals(
    (await call("/x", `{}`, { "content-type": "application/json" }, {
      incoming: { url: OPENAI_CHAT },
      via: "intercept",
    })).status,
    403,
  );
  assertEquals(sent.length, 1);
});
