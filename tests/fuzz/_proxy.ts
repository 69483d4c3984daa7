/**
 * The proxy under fuzzing, as its own process (so its memory and its log can be watched
 * alone): a session proxy whose custom route `echo` and whose CONNECT and plain-HTTP
 * egress all reach the fuzzer's echoing upstreams, with the real key from `FUZZ_KEY`.
 * Prints one JSON line (port, env, auditPath), then serves until stdin closes.
 *
 * Usage: deno run -A tests/fuzz/_proxy.ts STATE_DIR CA_FILE TLS_PORT PLAIN_PORT
 *
 * @module
 */

import { startSessionProxy } from "../../src/proxy/session.ts";
import { testPolicy } from "../proxy/_support/harness.ts";

const [state, caFile, tlsPort, plainPort] = Deno.args;
const key = new TextEncoder().encode(Deno.env.get("FUZZ_KEY") ?? "");
Deno.env.delete("FUZZ_KEY");

const policy = testPolicy({
  credentials: { echo: "fuzz:echo" },
  routes: {
    echo: {
      upstream: `https://custom.test:${tlsPort}/base`,
      token: { header: "authorization", format: "Bearer {}" },
      inject: { header: "x-real-key" },
      env: { ECHO_TOKEN: "{token}" },
    },
  },
  network: {
    allowDomains: ["allowed.test"],
    resolve: [
      `custom.test:${tlsPort}:127.0.0.1`,
      `allowed.test:${tlsPort}:127.0.0.1`,
      `allowed.test:${plainPort}:127.0.0.1`,
    ],
    upstreamCaFiles: [caFile!],
  },
});
const proxy = await startSessionProxy(policy, {
  credentialSource: () => Promise.resolve(key.slice()),
  stateEnv: { XDG_STATE_HOME: state },
  noSystemCa: true,
  limits: { headTimeoutMs: 800, idleTimeoutMs: 800, maxConnections: 256, maxBodyBytes: 1 << 20 },
  headersTimeoutMs: 2000,
});
console.log(JSON.stringify({ port: proxy.port, env: proxy.env, auditPath: proxy.auditPath }));
for await (const _ of Deno.stdin.readable) { /* until the fuzzer closes stdin */ }
await proxy.close();
