import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { withoutProxyEnv } from "../../src/proxy/upstream_client.ts";
import { startHarness } from "./_support/harness.ts";

Deno.test("withoutProxyEnv() hides the proxy variables only while the client is created", () => {
  Deno.env.set("NO_PROXY", "*");
  try {
    const seen = withoutProxyEnv(() => Deno.env.get("NO_PROXY"));
    assertEquals(seen, undefined);
    assertEquals(Deno.env.get("NO_PROXY"), "*");
  } finally {
    Deno.env.delete("NO_PROXY");
  }
});

Deno.test({
  name: "upstream traffic keeps to the checked hop when airlock's own NO_PROXY is *",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    // With NO_PROXY=* Deno's client would otherwise bypass the hop: the pin to 127.0.0.1
    // would be ignored and api.openai.com looked up in DNS.
    Deno.env.set("NO_PROXY", "*");
    Deno.env.set("no_proxy", "*");
    Deno.env.set("HTTPS_PROXY", "http://127.0.0.1:9");
    const h = await startHarness({});
    try {
      const res = await fetch(`${h.proxy.env.OPENAI_BASE_URL}/models`, {
        headers: { authorization: `Bearer ${h.proxy.env.OPENAI_API_KEY}` },
      });
      assertEquals(res.status, 200);
      await res.body?.cancel();
      assertEquals(h.up.seen.at(-1)?.headers.authorization, `Bearer ${h.secrets.openai}`);
    } finally {
      await h.close();
      for (const k of ["NO_PROXY", "no_proxy", "HTTPS_PROXY"]) Deno.env.delete(k);
    }
  },
});
