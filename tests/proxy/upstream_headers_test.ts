/**
 * What reaches an upstream: an echoing upstream records every header it received, and
 * each must be one the client sent (end-to-end, not the token), one the route injects,
 * or one the transport needs (`host`, framing, the proxy's own `accept-encoding`).
 * Reproduces finding 3 of issue 10: the relay's `proxy-authorization` reached every
 * upstream.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { type Harness, startHarness } from "./_support/harness.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

/** Headers the transport adds whatever the client sent. */
const TRANSPORT = new Set(["host", "content-length", "transfer-encoding", "connection"]);

/**
 * Deno's fetch adds these when the request has none (it cannot be told not to); they
 * carry nothing of the proxy's and are allowed only with exactly these values.
 */
const FETCH_DEFAULTS: Record<string, RegExp> = {
  "accept": /^\*\/\*$/,
  "accept-language": /^\*$/,
  "user-agent": /^Deno\/[0-9.]+$/,
};

function checkReceived(
  received: Record<string, string>,
  sent: Record<string, string>,
  injected: Record<string, string>,
): void {
  for (const [name, value] of Object.entries(received)) {
    if (name in injected) {
      assertEquals(value, injected[name], name);
    } else if (name in sent) {
      assertEquals(value, sent[name], name);
    } else if (name === "accept-encoding") {
      // The proxy's own negotiation: bodies it can scrub (the client's is not forwarded).
      assertEquals(value, "identity");
    } else if (FETCH_DEFAULTS[name]) {
      assert(FETCH_DEFAULTS[name]!.test(value), `${name}: ${value}`);
    } else {
      assert(TRANSPORT.has(name), `the upstream received "${name}: ${value}"`);
    }
  }
  assert(!("proxy-authorization" in received), "proxy-authorization reached the upstream");
}

let shared: Harness | undefined;
async function session(): Promise<Harness> {
  shared ??= await startHarness({
    routes: (port) => ({
      custom: {
        upstream: `https://custom.test:${port}/base`,
        token: { header: "x-gw-token" },
        inject: { header: "x-gw-key", format: "Key {}" },
        env: { CUSTOM_TOKEN: "{token}" },
      },
    }),
    resolve: (port) => [`custom.test:${port}:127.0.0.1`],
  });
  return shared;
}

const CLIENT_HEADERS = {
  "content-type": "application/json",
  "x-request-id": "r-1",
  "openai-beta": "assistants=v2",
  "accept": "application/json",
  "accept-language": "en",
  "user-agent": "test-client/1.0",
};

const HOP_BY_HOP = {
  "proxy-authorization": "Basic " + btoa("airlock:client-sent"),
  "connection": "x-drop-me",
  "x-drop-me": "1",
  "keep-alive": "timeout=5",
};

Deno.test({
  ...opts,
  name: "upstream receives only the client's end-to-end headers plus the credential (openai)",
  async fn() {
    const h = await session();
    const res = await fetch(`${h.proxy.env.OPENAI_BASE_URL}/chat/completions`, {
      method: "POST",
      headers: {
        ...CLIENT_HEADERS,
        ...HOP_BY_HOP,
        authorization: `Bearer ${h.proxy.env.OPENAI_API_KEY}`,
      },
      body: "{}",
    });
    assertEquals(res.status, 200);
    await res.body?.cancel();
    const seen = h.up.seen.at(-1)!;
    checkReceived(seen.headers, CLIENT_HEADERS, { authorization: `Bearer ${h.secrets.openai}` });
    assert(!("x-drop-me" in seen.headers) && !("keep-alive" in seen.headers));
  },
});

Deno.test({
  ...opts,
  name: "upstream receives only what fetch must add when the client sends few headers (anthropic)",
  async fn() {
    const h = await session();
    const res = await fetch(`${h.proxy.env.ANTHROPIC_BASE_URL}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": h.proxy.env.ANTHROPIC_API_KEY!, "anthropic-version": "2023-06-01" },
      body: "{}",
    });
    assertEquals(res.status, 200);
    await res.body?.cancel();
    const seen = h.up.seen.at(-1)!;
    checkReceived(seen.headers, {
      "anthropic-version": "2023-06-01",
      "content-type": "text/plain;charset=UTF-8",
    }, {
      "x-api-key": h.secrets.anthropic,
    });
  },
});

Deno.test({
  ...opts,
  name: "upstream of a custom route receives its injected header, not the token header",
  async fn() {
    const h = await session();
    const res = await fetch(`http://127.0.0.1:${h.proxy.port}/custom/x`, {
      headers: { ...CLIENT_HEADERS, ...HOP_BY_HOP, "x-gw-token": h.proxy.env.CUSTOM_TOKEN! },
    });
    assertEquals(res.status, 200);
    await res.body?.cancel();
    const seen = h.up.seen.at(-1)!;
    assertEquals(seen.path, "/base/x");
    checkReceived(seen.headers, CLIENT_HEADERS, { "x-gw-key": "Key custom-custom" });
    assert(!("x-gw-token" in seen.headers));
  },
});

Deno.test({
  ...opts,
  name: "upstream headers sessions close",
  async fn() {
    await shared?.close();
  },
});
