import { deepEqual, equal, throws } from "node:assert/strict";
import { parsePort, policyRequestFromFlags } from "../../src/cli/policy_flags.ts";

const BAD_PORTS = ["0", "65536", "-1", "80a", "", "1.5", " 80"];

for (const value of BAD_PORTS) {
  Deno.test(`parsePort() refuses ${JSON.stringify(value)} as a usage error`, () => {
    throws(() => parsePort("--allow-port", value), (err: Error & { exitCode?: number }) => {
      equal(err.exitCode, 2);
      return /--allow-port: a port must be an integer from 1 to 65535/.test(err.message);
    });
  });
}

Deno.test("parsePort() accepts 1 and 65535", () => {
  equal(parsePort("--listen-port", "1"), 1);
  equal(parsePort("--listen-port", "65535"), 65535);
});

Deno.test("policyRequestFromFlags() fills defaults for absent flags", () => {
  const req = policyRequestFromFlags({});
  equal(req.profile, "default");
  equal(req.noWorkdir, false);
  equal(req.workdir, undefined);
  equal(req.net, undefined);
  deepEqual(req.allowPorts, []);
  equal(req.bestEffort, false);
  equal(req.cwd, Deno.cwd());
});

Deno.test("policyRequestFromFlags() maps --no-workdir, --workdir and repeated flags", () => {
  equal(policyRequestFromFlags({ workdir: false }).noWorkdir, true);
  equal(policyRequestFromFlags({ workdir: "/srv" }).workdir, "/srv");
  const req = policyRequestFromFlags({
    allowPort: ["80", "443"],
    credential: ["openai", "gemini=env:G"],
    net: "none",
  });
  deepEqual(req.allowPorts, [80, 443]);
  deepEqual(req.credentials, ["openai", "gemini=env:G"]);
  equal(req.net, "none");
});
