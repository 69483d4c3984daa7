import { deepEqual, equal, ok } from "node:assert/strict";
import { filterEnv, matchesAny } from "../../src/policy/env_filter.ts";

const NONE = { allow: [], deny: [], set: {} };

Deno.test("filterEnv() removes credential-looking, proxy and airlock variables", () => {
  const removed = [
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "MY_APIKEY",
    "CLAUDE_CODE_OAUTH_TOKEN",
    "CLIENT_SECRET",
    "CLIENT_SECRET_ID",
    "DJANGO_SECRET_KEY",
    "SECRET_KEY_BASE",
    "DB_PASSWORD",
    "DB_PASSWD",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "SSH_AUTH_SOCK",
    "DBUS_SESSION_BUS_ADDRESS",
    "GPG_AGENT_INFO",
    "JWT_PRIVATE_KEY",
    "NPM_TOKEN",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
    "AIRLOCK_SESSION",
    "openai_api_key",
    "MINIO_ACCESS_KEY",
    "npm_config_//registry.npmjs.org/:_authToken",
    "npm_config__auth",
    "DATABASE_URL",
    "TEST_DATABASE_URL",
  ];
  const kept = [
    "PATH",
    "HOME",
    "LANG",
    "TERM",
    "EDITOR",
    "KEYBOARD",
    "TOKENIZERS_PARALLELISM",
    "SHELL",
  ];
  const env = Object.fromEntries([...removed, ...kept].map((n) => [n, `value-of-${n}`]));
  const out = filterEnv(env, NONE);
  deepEqual(out.removed, [...removed].sort());
  deepEqual(Object.keys(out.vars).sort(), [...kept].sort());
  for (const name of removed) ok(!JSON.stringify(out).includes(`value-of-${name}`), name);
});

Deno.test("filterEnv() applies allow, deny and set in that order", () => {
  const out = filterEnv(
    {
      CI_JOB_TOKEN: "a",
      MY_TOKEN: "b",
      EDITOR: "vi",
      PAGER: "less",
      HTTPS_PROXY: "p",
      AIRLOCK_X: "1",
      LANG: "C",
    },
    {
      allow: ["CI_*", "HTTPS_PROXY", "AIRLOCK_X"],
      deny: ["EDITOR", "PAG*"],
      set: { LANG: "C.UTF-8", MY_TOKEN: "phantom" },
    },
  );
  deepEqual(out.vars, { CI_JOB_TOKEN: "a", LANG: "C.UTF-8", MY_TOKEN: "phantom" });
  deepEqual(out.removed, ["AIRLOCK_X", "EDITOR", "HTTPS_PROXY", "PAGER"]);
  deepEqual(out.set, ["LANG", "MY_TOKEN"]);
});

Deno.test("matchesAny() treats * as any run and escapes the rest", () => {
  equal(matchesAny("A.B", ["A.B"]), true);
  equal(matchesAny("AXB", ["A.B"]), false);
  equal(matchesAny("X_TOKEN", ["*_TOKEN"]), true);
  equal(matchesAny("x_token", ["*_TOKEN"]), false);
  equal(matchesAny("x_token", ["*_TOKEN"], true), true);
});
