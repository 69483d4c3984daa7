import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { injectorFor, slotInjector } from "../../src/proxy/injectors.ts";

Deno.test("injectorFor() reads gemini tokens from the header before the query", () => {
  const inj = injectorFor("gemini")!;
  const url = new URL("http://x/m?key=Q");
  assertEquals(inj.readToken(new Headers({ "x-goog-api-key": "H" }), url), "H");
  assertEquals(inj.readToken(new Headers(), url), "Q");
  const h = new Headers({ "x-goog-api-key": "H" });
  inj.strip(h, url);
  assertEquals([...h.keys()], []);
  assertEquals(url.search, "");
});

Deno.test("slotInjector() parses formats case-insensitively on the prefix and injects queries", () => {
  const inj = slotInjector([{ header: "authorization", format: "Bearer {}" }], {
    query: "access_token",
  });
  const url = new URL("http://x/a");
  assertEquals(inj.readToken(new Headers({ authorization: "bearer T" }), url), "T");
  assertEquals(inj.readToken(new Headers({ authorization: "Basic T" }), url), null);
  inj.inject(new Headers(), url, "REAL");
  assertEquals(url.searchParams.get("access_token"), "REAL");
});

Deno.test("injectorFor() knows only the built-in providers", () => {
  assertEquals(injectorFor("toString"), undefined);
  assertEquals(injectorFor("nope"), undefined);
});

Deno.test("slotInjector() with a Basic password slot swaps the password and keeps the user", () => {
  const inj = slotInjector([{ basic: "password" }], { basic: "password" });
  assertEquals(inj.challenge, 'Basic realm="airlock"');
  const url = new URL("https://pypi.corp.test/simple/demo/");
  const h = new Headers({ authorization: `Basic ${btoa("__token__:PHANTOM")}` });
  assertEquals(inj.readToken(h, url), "PHANTOM");
  assertEquals(inj.readToken(new Headers({ authorization: "Bearer PHANTOM" }), url), null);
  assertEquals(inj.readToken(new Headers({ authorization: "Basic !!" }), url), null);
  inj.strip(h, url);
  assertEquals(h.get("authorization"), null);
  inj.inject(h, url, "REAL");
  assertEquals(h.get("authorization"), `Basic ${btoa("__token__:REAL")}`);
});

Deno.test("slotInjector() Basic injection: the configured user wins, else `token`", () => {
  const url = new URL("https://x/");
  const fixed = slotInjector([{ basic: "password" }], { basic: "password", user: "ci" });
  const h = new Headers({ authorization: `Basic ${btoa("agent-chosen:PHANTOM")}` });
  fixed.strip(h, url);
  fixed.inject(h, url, "REAL");
  assertEquals(h.get("authorization"), `Basic ${btoa("ci:REAL")}`);
  const fromBearer = slotInjector([{ header: "authorization", format: "Bearer {}" }], {
    basic: "password",
  });
  const h2 = new Headers({ authorization: "Bearer PHANTOM" });
  fromBearer.strip(h2, url);
  fromBearer.inject(h2, url, "REAL");
  assertEquals(h2.get("authorization"), `Basic ${btoa("token:REAL")}`);
  assertEquals(fromBearer.challenge, undefined);
});
