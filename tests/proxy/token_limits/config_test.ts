import { deepStrictEqual as assertEquals, ok as assert, throws } from "node:assert/strict";
import {
  expiryTime,
  modelAllowed,
  parseDuration,
  parseLimit,
  parseLimitFlag,
} from "../../../src/proxy/token_limits/config.ts";
import { tokenLimits } from "../../../src/policy/build.ts";
import { validateProfile } from "../../../src/policy/validate.ts";
import { ProfileError, UsageError } from "../../../src/errors.ts";

const meta = { name: "p", file: "/p.json", builtin: false };

Deno.test("parseLimit() takes each key's values from a profile (JSON) and from a flag (text)", () => {
  assertEquals(parseLimit("max_requests", 3), { ok: true, field: "maxRequests", value: 3 });
  assertEquals(parseLimit("max_requests", "3"), { ok: true, field: "maxRequests", value: 3 });
  assertEquals(parseLimit("requests_per_minute", 60), {
    ok: true,
    field: "requestsPerMinute",
    value: 60,
  });
  assertEquals(parseLimit("max_tokens", "100000"), {
    ok: true,
    field: "maxTokens",
    value: 100000,
  });
  assertEquals(parseLimit("models", "gpt-4o-mini, gpt-4.1*"), {
    ok: true,
    field: "models",
    value: ["gpt-4o-mini", "gpt-4.1*"],
  });
  assertEquals(parseLimit("models", ["claude-*"]), {
    ok: true,
    field: "models",
    value: ["claude-*"],
  });
  assertEquals(parseLimit("expires", "90m"), { ok: true, field: "expires", value: "90m" });
  assertEquals(parseLimit("expires", "2026-12-31T18:00:00Z"), {
    ok: true,
    field: "expires",
    value: "2026-12-31T18:00:00Z",
  });
});

Deno.test("parseLimit() refuses unknown keys and bad values with what is wrong", () => {
  const bad: [string, unknown, RegExp][] = [
    ["max_request", 1, /not a limit: known limits are max_requests/],
    ["max_requests", 0, /positive integer/],
    ["max_requests", -1, /positive integer/],
    ["max_requests", 1.5, /positive integer/],
    ["max_requests", "ten", /positive integer/],
    ["max_tokens", true, /positive integer/],
    ["models", [], /non-empty list/],
    ["models", "", /model names/],
    ["models", ["gpt 4"], /model names/],
    ["models", [7], /model names/],
    ["expires", "tomorrow", /duration .* or an ISO 8601 time/],
    ["expires", "2026-12-31", /ISO 8601/],
    ["expires", "0m", /duration/],
    ["expires", 60, /duration/],
  ];
  for (const [key, value, want] of bad) {
    const r = parseLimit(key, value);
    assert(!r.ok, `${key}=${JSON.stringify(value)} was accepted`);
    assert(want.test(r.problem), `${key}: ${r.problem}`);
  }
});

Deno.test("parseLimitFlag() reads NAME:KEY=VALUE and names the key in its problem", () => {
  assertEquals(parseLimitFlag("openai:max_requests=5"), {
    name: "openai",
    field: "maxRequests",
    value: 5,
  });
  assert("problem" in parseLimitFlag("openai=5"));
  const r = parseLimitFlag("openai:max_tokens=lots");
  assert("problem" in r && r.problem.startsWith("max_tokens must be"));
});

Deno.test("tokenLimits() lets a flag win over the profile per key, and refuses a flag for an unserved credential", () => {
  const l = tokenLimits(
    { openai: { maxRequests: 10, models: ["gpt-4o"] }, anthropic: { maxRequests: 1 } },
    ["openai:max_requests=3"],
    { openai: "keyring:openai" },
  );
  assertEquals(l, { openai: { maxRequests: 3, models: ["gpt-4o"] } });
  throws(
    () => tokenLimits({}, ["gemini:max_requests=1"], { openai: "keyring:openai" }),
    (e: unknown) => e instanceof UsageError && /serves no credential "gemini"/.test(e.message),
  );
  throws(
    () => tokenLimits({}, ["openai:budget=1"], { openai: "keyring:openai" }),
    (e: unknown) => e instanceof UsageError && /budget is not a limit/.test(e.message),
  );
});

Deno.test("validateProfile() reads limits and names the field of a bad one", () => {
  const doc = validateProfile({ limits: { openai: { max_requests: 2, expires: "1h" } } }, meta);
  assertEquals(doc.limits, { openai: { maxRequests: 2, expires: "1h" } });
  throws(
    () => validateProfile({ limits: { openai: { max_requests: "x" } } }, meta),
    (e: unknown) =>
      e instanceof ProfileError &&
      e.message.includes("limits.openai.max_requests must be a positive integer"),
  );
  throws(
    () => validateProfile({ limits: { openai: { budget: 1 } } }, meta),
    (e: unknown) =>
      e instanceof ProfileError && e.message.includes('unknown key "limits.openai.budget"'),
  );
});

Deno.test("modelAllowed() anchors globs at both ends and escapes the rest", () => {
  assert(modelAllowed("gpt-4o-mini", ["gpt-4o-mini"]));
  assert(modelAllowed("gpt-4o-mini", ["gpt-4o*"]));
  assert(modelAllowed("claude-sonnet-4-5", ["claude-*-4-5"]));
  assert(!modelAllowed("gpt-4o-mini", ["gpt-4o"]));
  assert(!modelAllowed("xgpt-4o", ["gpt-4o*"]));
  assert(!modelAllowed("gpt-4oXmini", ["gpt-4o.mini"]));
  assert(!modelAllowed("gpt-4o\nx", ["gpt-4o"]));
});

Deno.test("parseDuration() and expiryTime() read durations and ISO times", () => {
  assertEquals(parseDuration("30s"), 30_000);
  assertEquals(parseDuration("7d"), 7 * 86_400_000);
  assertEquals(parseDuration("1.5h"), null);
  assertEquals(expiryTime("2m", 1000), 121_000);
  assertEquals(expiryTime("2026-12-31T18:00:00+01:00", 0), Date.parse("2026-12-31T17:00:00Z"));
});
