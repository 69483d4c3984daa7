/**
 * The fuzzer in CI: 20,000 cases with a fresh seed each run (printed first, so a failure
 * can be repeated with `deno run -A tests/fuzz/proxy_fuzz.ts --seed S --cases 20000`), and
 * a self-test showing the invariant checks catch a key that reaches a client.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { runFuzz } from "./proxy_fuzz.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  ...opts,
  name: "proxy_fuzz: 20,000 cases keep every invariant",
  async fn() {
    const seed = Number(
      Deno.env.get("AIRLOCK_FUZZ_SEED") ?? crypto.getRandomValues(new Uint32Array(1))[0],
    );
    const result = await runFuzz({ cases: 20_000, seed, log: () => {} });
    console.log(
      `proxy_fuzz: seed ${seed}: ${result.cases} cases, ${result.casesPerSecond.toFixed(0)}/s, ` +
        `proxy peak RSS ${result.peakRssMb.toFixed(0)} MB, outcomes ${
          JSON.stringify(result.outcomes)
        }`,
    );
    assertEquals(result.violations, [], `seed ${seed}`);
    assertEquals(result.cases, 20_000);
    // Every way in was exercised, and some requests went all the way through.
    for (const family of ["route", "connect", "forward", "garbage", "version", "huge-head"]) {
      assert((result.families[family] ?? 0) > 100, family);
    }
    assert((result.outcomes["2xx"] ?? 0) > 500, JSON.stringify(result.outcomes));
  },
});

Deno.test({
  ...opts,
  name: "proxy_fuzz: a key that reaches a client is reported",
  async fn() {
    const result = await runFuzz({ cases: 300, seed: 7, leakyUpstream: true, log: () => {} });
    assert(
      result.violations.some((v) => v.includes("holds the key")),
      JSON.stringify(result.violations),
    );
  },
});
