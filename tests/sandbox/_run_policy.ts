/**
 * Test driver: runs one command through `getSandbox().run()` in its own process, so a
 * test can capture the confined command's output and exit status without sharing signal
 * listeners or environment with other tests.
 *
 * Input: env `AIRLOCK_TEST_RUN` = JSON `{ policy, argv, proxyPort?, report? }`. With
 * `report`, the enforcement report is printed first on stderr as `report: <json>`.
 *
 * @module
 */

import { exitCodeFor, formatError } from "../../src/errors.ts";
import type { Policy } from "../../src/policy/types.ts";
import { getSandbox } from "../../src/sandbox/mod.ts";

interface RunRequest {
  policy: Policy;
  argv: string[];
  proxyPort?: number;
  report?: boolean;
}

const request = JSON.parse(Deno.env.get("AIRLOCK_TEST_RUN") ?? "null") as RunRequest;
try {
  const sandbox = getSandbox();
  const options = { argv: request.argv, proxyPort: request.proxyPort };
  const report = sandbox.check(request.policy, options);
  if (request.report) console.error(`report: ${JSON.stringify(report)}`);
  Deno.exit(await sandbox.run(request.policy, options));
} catch (err) {
  console.error(formatError(err));
  Deno.exit(exitCodeFor(err));
}
