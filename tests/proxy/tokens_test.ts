import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { generateToken, tokensEqual } from "../../src/proxy/tokens.ts";

Deno.test("generateToken() carries 256 random bits after the prefix", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 100; i++) {
    const t = generateToken("sk-ant-api03-");
    assert(/^sk-ant-api03-[A-Za-z0-9_-]{43}$/.test(t));
    seen.add(t);
  }
  assertEquals(seen.size, 100);
});

Deno.test("tokensEqual() compares exactly, including length and case", () => {
  assert(tokensEqual("sk-proj-abc", "sk-proj-abc"));
  assert(!tokensEqual("sk-proj-abC", "sk-proj-abc"));
  assert(!tokensEqual("sk-proj-ab", "sk-proj-abc"));
  assert(!tokensEqual("", "sk-proj-abc"));
  assert(!tokensEqual(null, "sk-proj-abc"));
});
