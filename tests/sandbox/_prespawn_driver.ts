/**
 * Test driver for a prespawned helper: starts the exec helper early (as `main.ts` does for
 * `run`), prints `ready`, waits for one line on stdin, then acts on it:
 *
 * - `run`: runs the request in `AIRLOCK_TEST_RUN` (as `_run_policy.ts`) through
 *   `getSandbox().run()`, which hands the plan to the prespawned helper;
 * - `discard`: calls `discardPrespawned()` and exits 0;
 * - end of input: waits forever (the test kills this process).
 *
 * @module
 */

import { exitCodeFor, formatError } from "../../src/errors.ts";
import type { Policy } from "../../src/policy/types.ts";
import { getSandbox } from "../../src/sandbox/mod.ts";
import { discardPrespawned, prespawnHelper } from "../../src/sandbox/prespawn.ts";

prespawnHelper();
console.log("ready");

const reader = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
let input = "";
while (!input.includes("\n")) {
  const { value, done } = await reader.read();
  if (done) break;
  input += value;
}
const action = input.trim();

if (action === "discard") {
  await discardPrespawned();
  Deno.exit(0);
} else if (action === "run") {
  const request = JSON.parse(Deno.env.get("AIRLOCK_TEST_RUN") ?? "null") as {
    policy: Policy;
    argv: string[];
  };
  try {
    Deno.exit(await getSandbox().run(request.policy, { argv: request.argv }));
  } catch (err) {
    console.error(formatError(err));
    Deno.exit(exitCodeFor(err));
  }
} else {
  setInterval(() => {}, 60_000);
}
