import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { ProxyError } from "../../src/errors.ts";
import { availableRoutes, customRoute } from "../../src/proxy/routes.ts";

const base = {
  token: { header: "authorization", format: "Bearer {}" },
  inject: { header: "authorization", format: "token {}" },
  env: {},
};

Deno.test("customRoute() rejects non-https upstreams and bad names", () => {
  const bad: [string, string, RegExp][] = [
    ["ok", "http://api.example.com", /must be https/],
    ["ok", "not a url", /not a URL/],
    ["ok", "https://u:p@api.example.com", /must be https/],
    ["Bad Name", "https://api.example.com", /route name/],
  ];
  for (const [name, upstream, message] of bad) {
    throws(
      () => customRoute(name, { ...base, upstream }),
      (e: Error) => e instanceof ProxyError && message.test(e.message),
    );
  }
});

Deno.test("availableRoutes() lets a profile replace a built-in route", () => {
  const routes = availableRoutes({
    openai: { ...base, upstream: "https://gateway.example.com/openai" },
  });
  assertEquals(routes.get("openai")!.upstream.href, "https://gateway.example.com/openai");
  assertEquals(routes.get("anthropic")!.upstream.host, "api.anthropic.com");
});
