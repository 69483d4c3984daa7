import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import type { AuditRecord } from "../../src/audit/session_log.ts";
import {
  type ActiveRoute,
  buildProxyApp,
  MAX_WHOLE_BODY_BYTES,
  type UpstreamFetch,
} from "../../src/proxy/app.ts";
import { BUILTIN_ROUTES, customRoute } from "../../src/proxy/routes.ts";

const enc = new TextEncoder();

interface Seen {
  url: URL;
  headers: Headers;
}

function setup(fetchImpl?: UpstreamFetch, headersTimeoutMs?: number) {
  const seen: Seen[] = [];
  const audit: AuditRecord[] = [];
  const routes = new Map<string, ActiveRoute>([
    ["openai", {
      spec: BUILTIN_ROUTES.openai!,
      token: "sk-proj-OPENAI",
      secret: enc.encode("REAL1"),
    }],
    ["anthropic", {
      spec: BUILTIN_ROUTES.anthropic!,
      token: "sk-ant-api03-ANT",
      secret: enc.encode("REAL2"),
    }],
    ["gemini", { spec: BUILTIN_ROUTES.gemini!, token: "AIzaGEM", secret: enc.encode("REAL3") }],
    ["gh", {
      spec: customRoute("gh", {
        upstream: "https://api.github.com/base/",
        token: { header: "authorization", format: "Bearer {}" },
        inject: { header: "authorization", format: "token {}" },
        env: {},
      }),
      token: "gh-TOKEN",
      secret: enc.encode("REAL4"),
    }],
  ]);
  const app = buildProxyApp({
    routes,
    upstreamFetch: fetchImpl ?? (async (url, init) => {
      seen.push({ url, headers: new Headers(init.headers) });
      if (init.body) await new Response(init.body).arrayBuffer();
      return new Response("upstream ok", { headers: { "x-up": "1" } });
    }),
    audit: (r) => audit.push(r),
    ...(headersTimeoutMs ? { headersTimeoutMs } : {}),
  });
  return { app, seen, audit };
}

Deno.test("buildProxyApp() injects the real key and strips the token and hop-by-hop headers", async () => {
  const { app, seen, audit } = setup();
  const res = await app.request("/openai/v1/chat/completions?a=1", {
    method: "POST",
    headers: {
      authorization: "Bearer sk-proj-OPENAI",
      "proxy-authorization": "Basic eDp5",
      connection: "x-hop",
      "x-hop": "1",
      "keep-alive": "timeout=5",
      "x-keep": "yes",
    },
    body: "{}",
  });
  assertEquals(res.status, 200);
  assertEquals(await res.text(), "upstream ok");
  assertEquals(seen[0]!.url.href, "https://api.openai.com/v1/chat/completions?a=1");
  const h = seen[0]!.headers;
  assertEquals(h.get("authorization"), "Bearer REAL1");
  for (const name of ["proxy-authorization", "x-hop", "keep-alive", "connection"]) {
    assert(!h.has(name), `${name} was forwarded`);
  }
  assertEquals(h.get("x-keep"), "yes");
  assertEquals(audit[0]!.decision, "allowed");
  assertEquals(audit[0]!.bytesUp, 2);
  assertEquals(audit[0]!.bytesDown, 11);
});

Deno.test("buildProxyApp() accepts anthropic tokens in x-api-key or Bearer and injects x-api-key", async () => {
  const { app, seen } = setup();
  for (
    const headers of [
      { "x-api-key": "sk-ant-api03-ANT" },
      { authorization: "Bearer sk-ant-api03-ANT" },
    ] as Record<string, string>[]
  ) {
    const res = await app.request("/anthropic/v1/messages", {
      method: "POST",
      headers,
      body: "{}",
    });
    assertEquals(res.status, 200);
  }
  for (const s of seen) {
    assertEquals(s.headers.get("x-api-key"), "REAL2");
    assert(!s.headers.has("authorization"));
  }
});

Deno.test("buildProxyApp() moves a gemini ?key= token into the x-goog-api-key header", async () => {
  const { app, seen, audit } = setup();
  const res = await app.request("/gemini/v1beta/models/m:generateContent?key=AIzaGEM&alt=sse");
  assertEquals(res.status, 200);
  await res.text();
  assertEquals(seen[0]!.url.search, "?alt=sse");
  assertEquals(seen[0]!.headers.get("x-goog-api-key"), "REAL3");
  assertEquals(audit[0]!.path, "/gemini/v1beta/models/m:generateContent?key=&alt=");
});

Deno.test("buildProxyApp() serves custom routes with their upstream base path and format", async () => {
  const { app, seen } = setup();
  const res = await app.request("/gh/repos/x", { headers: { authorization: "Bearer gh-TOKEN" } });
  assertEquals(res.status, 200);
  assertEquals(seen[0]!.url.href, "https://api.github.com/base/repos/x");
  assertEquals(seen[0]!.headers.get("authorization"), "token REAL4");
});

const REFUSALS: [string, string, Record<string, string>, string, (b: unknown) => boolean][] = [
  [
    "no token",
    "/openai/v1/models",
    {},
    "no token",
    (b) => JSON.stringify(b).includes("invalid_api_key"),
  ],
  [
    "wrong token",
    "/anthropic/v1/messages",
    { "x-api-key": "sk-ant-api03-WRONG" },
    "wrong token",
    (b) => (b as { type: string }).type === "error",
  ],
  [
    "another route's token",
    "/gemini/v1beta/models",
    { "x-goog-api-key": "sk-proj-OPENAI" },
    "token of route openai",
    (b) => (b as { error: { status: string } }).error.status === "UNAUTHENTICATED",
  ],
  [
    "a token with a different length",
    "/openai/v1/models",
    { authorization: "Bearer x" },
    "wrong token",
    () => true,
  ],
];

for (const [what, path, headers, detail, shape] of REFUSALS) {
  Deno.test(`buildProxyApp() answers ${what} with 401 in the provider's shape and an audit record`, async () => {
    const { app, seen, audit } = setup();
    const res = await app.request(path, { headers });
    assertEquals(res.status, 401);
    assert(shape(await res.json()));
    assertEquals(seen.length, 0);
    assertEquals(audit[0]!.decision, "denied-token");
    assertEquals(audit[0]!.detail, detail);
  });
}

Deno.test("buildProxyApp() answers unknown routes with 404", async () => {
  const { app, audit } = setup();
  assertEquals((await app.request("/nope/x")).status, 404);
  assertEquals((await app.request("/")).status, 404);
  assertEquals(audit.map((a) => a.decision), ["unknown-route", "unknown-route"]);
});

Deno.test("buildProxyApp() answers an upstream failure with 502 and keeps the detail in the audit log", async () => {
  const { app, audit } = setup(() =>
    Promise.reject(new TypeError("tls handshake failed: secret-ish detail"))
  );
  const res = await app.request("/openai/v1/models", {
    headers: { authorization: "Bearer sk-proj-OPENAI" },
  });
  assertEquals(res.status, 502);
  const text = await res.text();
  // The client and the audit get a cause from a fixed vocabulary, never the error's text.
  assert(!text.includes("secret-ish"));
  assert(JSON.parse(text).error.message.includes("TLS handshake"));
  assertEquals(audit[0]!.decision, "upstream-error");
  assertEquals(audit[0]!.detail, "tls: handshake failed");
});

Deno.test("buildProxyApp() answers 504 when the upstream sends no headers in time", async () => {
  const { app, audit } = setup(
    (_url, init) =>
      new Promise((_ok, fail) =>
        init.signal?.addEventListener("abort", () => fail(new Error("aborted")))
      ),
    50,
  );
  const res = await app.request("/openai/v1/models", {
    headers: { authorization: "Bearer sk-proj-OPENAI" },
  });
  assertEquals(res.status, 504);
  assertEquals(audit[0]!.decision, "upstream-timeout");
});

Deno.test("buildProxyApp() decodes a compressed body and relays it as identity", async () => {
  const gzipped = new Response(
    new Blob(["plain"]).stream().pipeThrough(new CompressionStream("gzip")),
  );
  const { app } = setup(() =>
    Promise.resolve(
      new Response(gzipped.body, {
        headers: { "content-encoding": "gzip", "content-length": "99" },
      }),
    )
  );
  const res = await app.request("/openai/v1/x", {
    headers: { authorization: "Bearer sk-proj-OPENAI" },
  });
  assert(!res.headers.has("content-encoding"));
  assert(!res.headers.has("content-length"));
  assertEquals(await res.text(), "plain");
});

Deno.test("buildProxyApp() asks the upstream for identity, whatever the client accepts", async () => {
  const { app, seen } = setup();
  await app.request("/openai/v1/x", {
    headers: { authorization: "Bearer sk-proj-OPENAI", "accept-encoding": "zstd" },
  });
  assertEquals(seen[0]!.headers.get("accept-encoding"), "identity");
});

Deno.test("buildProxyApp() records an upstream stream that breaks mid-way", async () => {
  let pulls = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (pulls++ === 0) c.enqueue(enc.encode("part"));
      else c.error(new Error("reset"));
    },
  }, { highWaterMark: 0 });
  const { app, audit } = setup(() => Promise.resolve(new Response(body)));
  const res = await app.request("/openai/v1/x", {
    headers: { authorization: "Bearer sk-proj-OPENAI" },
  });
  await res.text().catch(() => {});
  assertEquals(audit[0]!.decision, "upstream-error");
  assertEquals(audit[0]!.bytesDown, 4);
});

Deno.test("buildProxyApp() reads a small body of declared length whole and counts it", async () => {
  const { app, seen, audit } = setup((url, init) => {
    seen.push({ url, headers: new Headers(init.headers) });
    assert(init.body instanceof Uint8Array, "a declared-length request body was not read whole");
    assertEquals(new TextDecoder().decode(init.body), '{"a":1}');
    return Promise.resolve(
      new Response(enc.encode("0123456789"), { headers: { "content-length": "10" } }),
    );
  });
  let delivered!: () => void;
  const completed = new Promise<void>((ok) => delivered = ok);
  const res = await app.request("/openai/v1/chat/completions", {
    method: "POST",
    headers: { authorization: "Bearer sk-proj-OPENAI", "content-length": "7" },
    body: '{"a":1}',
  }, { completed });
  assertEquals(await res.text(), "0123456789");
  assertEquals(audit.length, 0, "recorded before the response was delivered");
  delivered();
  await completed;
  assertEquals(audit[0]!.decision, "allowed");
  assertEquals(audit[0]!.bytesUp, 7);
  assertEquals(audit[0]!.bytesDown, 10);
  assert(!seen[0]!.headers.has("content-length"));
});

Deno.test("buildProxyApp() answers 502 for a declared-length body that breaks, never a short 200", async () => {
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(enc.encode("part"));
      c.error(new Error("reset"));
    },
  });
  const { app, audit } = setup(() =>
    Promise.resolve(new Response(body, { headers: { "content-length": "10" } }))
  );
  const res = await app.request("/openai/v1/x", {
    headers: { authorization: "Bearer sk-proj-OPENAI" },
  });
  assertEquals(res.status, 502);
  assert((await res.text()).includes("airlock:"));
  assertEquals(audit[0]!.decision, "upstream-error");
  assertEquals(audit[0]!.detail, "body broke: reset by the upstream");
});

Deno.test("buildProxyApp() relays a large declared-length body as a stream", async () => {
  const big = new Uint8Array(MAX_WHOLE_BODY_BYTES + 1).fill(97);
  const { app, audit } = setup(() =>
    Promise.resolve(
      new Response(big, { headers: { "content-length": String(big.length) } }),
    )
  );
  const res = await app.request("/openai/v1/x", {
    headers: { authorization: "Bearer sk-proj-OPENAI" },
  });
  assertEquals((await res.arrayBuffer()).byteLength, big.length);
  assertEquals(audit[0]!.bytesDown, big.length);
  assertEquals(audit[0]!.decision, "allowed");
});
