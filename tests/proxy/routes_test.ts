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

Deno.test("validateRoute() reads a route's timeouts and refuses bad ones", async () => {
  const { validateRoute } = await import("../../src/policy/validate_route.ts");
  const { ProfileProblem } = await import("../../src/policy/problem.ts");
  const base = {
    upstream: "https://gw.test",
    inject: { header: "x-key" },
    env: { GW: "{token}" },
  };
  const r = validateRoute(new ProfileProblem("p"), "routes.gw", {
    ...base,
    timeouts: { connect_ms: 1000, idle_ms: 5000 },
  });
  if (JSON.stringify(r.timeouts) !== JSON.stringify({ connectMs: 1000, idleMs: 5000 })) {
    throw new Error(JSON.stringify(r.timeouts));
  }
  for (const bad of [{ idle_ms: 0 }, { total_ms: 1.5 }, { total_ms: "5" }, { other_ms: 1 }]) {
    let threw = false;
    try {
      validateRoute(new ProfileProblem("p"), "routes.gw", { ...base, timeouts: bad });
    } catch {
      threw = true;
    }
    if (!threw) throw new Error(`accepted ${JSON.stringify(bad)}`);
  }
});
