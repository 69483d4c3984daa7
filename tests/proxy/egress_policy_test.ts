import { ok as assert } from "node:assert/strict";
import { domainAllowed, domainRefusal, proxyAuthorized } from "../../src/proxy/egress_policy.ts";

Deno.test("domainAllowed() matches exact names and *.suffix below the suffix only", () => {
  const list = ["registry.npmjs.org", "*.github.com"];
  assert(domainAllowed("REGISTRY.npmjs.org.", list));
  assert(domainAllowed("api.github.com", list));
  assert(domainAllowed("a.b.github.com", list));
  assert(!domainAllowed("github.com", list));
  assert(!domainAllowed("notgithub.com", list));
  assert(!domainAllowed("registry.npmjs.org.evil.com", list));
  assert(!domainAllowed("anything", []));
});

Deno.test("proxyAuthorized() wants Basic with the session token as password", () => {
  assert(proxyAuthorized(`Basic ${btoa("airlock:tok")}`, "tok"));
  assert(proxyAuthorized(`basic ${btoa("other-user:tok")}`, "tok"));
  assert(!proxyAuthorized(`Basic ${btoa("airlock:bad")}`, "tok"));
  assert(!proxyAuthorized(`Bearer tok`, "tok"));
  assert(!proxyAuthorized(`Basic !!!`, "tok"));
  assert(!proxyAuthorized(undefined, "tok"));
});

Deno.test("domainRefusal() names the flag that would allow the host", () => {
  assert(domainRefusal("Example.COM").includes("--allow-domain example.com"));
});
