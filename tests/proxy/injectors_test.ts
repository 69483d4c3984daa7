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
