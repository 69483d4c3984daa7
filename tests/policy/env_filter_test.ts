import { deepEqual, equal, ok } from "node:assert/strict";
import { type EnvRules, filterEnv, matchesAny } from "../../src/policy/env_filter.ts";
import {
  ALLOWED_NAMES,
  ALLOWED_PATTERNS,
  builtinAllow,
  EXCLUDED_NAMES,
  looksLikeCredentialName,
} from "../../src/policy/env_names.ts";

const NONE: EnvRules = { allow: [], deny: [], set: {} };
const GHP = `ghp_${"a1B2c3D4e5".repeat(4).slice(0, 36)}`;

/** The variables of the security review (issue 9, finding 6), with realistic values. */
const REVIEW: Record<string, string> = {
  PGPASSWORD: "hunter2",
  MYSQL_PWD: "hunter2",
  STRIPE_KEY: `sk_live_${"a1B2c3".repeat(4)}`,
  GITHUB_PAT: GHP,
  DATABASE_URL: "postgres://app:hunter2@db:5432/app",
  REDIS_URL: "redis://:hunter2@cache:6379/0",
  SENTRY_DSN: "https://0f1e2d3c4b5a69780f1e2d3c4b5a6978@o1.ingest.sentry.io/2",
  SLACK_WEBHOOK_URL: "https://hooks.slack.com/services/T0000/B0000/abcdefghijkl",
  BW_SESSION: "5PBYGU+5yt3RHcCjoeJKx/wByU34vokGRZjXpSH7Ylo8w==",
  OP_SESSION_my: "Hkj3nd8-hhsieTBpEWu2Z03GV81WoqPzXyLm4aB7cDe",
};

Deno.test("filterEnv() removes every variable of the review by default", () => {
  const out = filterEnv({ PATH: "/usr/bin", ...REVIEW }, NONE);
  deepEqual(out.removed, Object.keys(REVIEW).sort());
  deepEqual(Object.keys(out.vars), ["PATH"]);
  for (const value of Object.values(REVIEW)) ok(!JSON.stringify(out).includes(value), value);
});

Deno.test("filterEnv() removes the review's values under allowed names too", () => {
  // The same values hidden behind names the allowlist or the flags pass.
  const names = ["LANG", "EDITOR", "JAVA_HOME", "TERM", "PAGER", "TZ", "CI", "FOO", "BAR", "BAZ"];
  const env: Record<string, string> = {};
  const values = Object.values(REVIEW).filter((v) => v !== "hunter2");
  values.forEach((v, i) => env[names[i]!] = v);
  const out = filterEnv(env, { ...NONE, pass: ["FOO", "BAR", "BAZ"], allow: ["PAGER"] });
  deepEqual(Object.keys(out.vars), []);
  for (const name of Object.keys(env)) ok(out.reasons?.[name]?.startsWith("the value looks like"));
});

/** [name, value, passes by default]. */
const DEFAULTS: [string, string, boolean][] = [
  ["PATH", "/usr/local/bin:/usr/bin:/bin", true],
  ["HOME", "/home/me", true],
  ["USER", "me", true],
  ["SHELL", "/bin/bash", true],
  ["PWD", "/home/me/src", true],
  ["LANG", "en_US.UTF-8", true],
  ["LC_ALL", "C.UTF-8", true],
  ["TZ", "Europe/Paris", true],
  ["TERM", "xterm-256color", true],
  ["COLORTERM", "truecolor", true],
  ["EDITOR", "vim", true],
  ["TMPDIR", "/tmp", true],
  ["XDG_CONFIG_HOME", "/home/me/.config", true],
  ["XDG_DATA_DIRS", "/usr/local/share:/usr/share", true],
  ["JAVA_HOME", "/usr/lib/jvm/java-17", true],
  ["CARGO_HOME", "/home/me/.cargo", true],
  ["PYENV_ROOT", "/home/me/.pyenv", true],
  ["GOPATH", "/home/me/go", true],
  ["NVM_DIR", "/home/me/.nvm", true],
  ["SSL_CERT_FILE", "/etc/ssl/certs/ca.pem", true],
  ["CI", "true", true],
  ["XDG_RUNTIME_DIR", "/run/user/1000", false],
  ["DISPLAY", ":0", false],
  ["WAYLAND_DISPLAY", "wayland-0", false],
  ["XAUTHORITY", "/home/me/.Xauthority", false],
  ["SSH_AUTH_SOCK", "/tmp/ssh-x/agent.1", false],
  ["DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/1000/bus", false],
  ["GPG_AGENT_INFO", "/run/user/1000/gnupg/S.gpg-agent:0:1", false],
  ["OPENAI_API_KEY", "x", false],
  ["AWS_SECRET_ACCESS_KEY", "x", false],
  ["GH_TOKEN", "x", false],
  ["OLDPWD", "/home", false],
  ["KEYBOARD", "us", false],
  ["SOME_TOOL_SETTING", "1", false],
  ["path", "/usr/bin", false], // names are case-sensitive
  ["SECRET_HOME", "/x", false], // a pattern never passes a credential-looking name
  ["MY_TOKEN_ROOT", "/x", false],
];

for (const [name, value, passes] of DEFAULTS) {
  Deno.test(`filterEnv() ${passes ? "passes" : "removes"} ${name} by default`, () => {
    const out = filterEnv({ [name]: value }, NONE);
    equal(out.vars[name] === value, passes);
    equal(out.removed.includes(name), !passes);
    if (!passes) ok(out.reasons?.[name], "a removed name has a reason");
  });
}

/** Reasons: [name, value, rules, expected reason]. */
const REASONS: [string, string, Partial<EnvRules>, string][] = [
  ["FOO", "1", {}, "not on the allowlist"],
  ["PGPASSWORD", "x", {}, "not on the allowlist (the name looks like a credential)"],
  [
    "SSH_AUTH_SOCK",
    "/s",
    {},
    "not on the allowlist (the ssh-agent socket, which signs as the user)",
  ],
  [
    "HTTPS_PROXY",
    "http://p",
    { allow: ["HTTPS_PROXY"] },
    "airlock sets the proxy variables itself",
  ],
  ["no_proxy", "*", { pass: ["no_proxy"] }, "airlock sets the proxy variables itself"],
  ["AIRLOCK_X", "1", { unchecked: { AIRLOCK_X: "--env-secret" } }, "airlock's own variable"],
  [
    "REAL_KEY",
    "k",
    { pass: ["REAL_KEY"], sources: { REAL_KEY: "openai" } },
    'the proxy reads credential "openai" from it',
  ],
  ["EDITOR", "vi", { deny: ["EDITOR"] }, "env.deny"],
  [
    "CI_JOB_TOKEN",
    "x",
    { allow: ["CI_*"] },
    "the name looks like a credential, which only an exact env.allow name or --env passes",
  ],
  [
    "SECRET_HOME",
    "/x",
    {},
    "the name looks like a credential, which only an exact env.allow name or --env passes",
  ],
  ["LANG", GHP, {}, "the value looks like a GitHub token"],
  ["FOO", "postgres://u:p@h/db", { pass: ["FOO"] }, "the value looks like a URL with a password"],
  ["GITHUB_TOKEN", GHP, { allow: ["GITHUB_TOKEN"] }, "the value looks like a GitHub token"],
];

for (const [name, value, rules, reason] of REASONS) {
  Deno.test(`filterEnv() removes ${name} because ${reason}`, () => {
    const out = filterEnv({ [name]: value }, { ...NONE, ...rules });
    deepEqual(out.removed, [name]);
    equal(out.reasons?.[name], reason);
    equal(out.vars[name], undefined);
  });
}

/** Passes: [name, value, rules, expected reason (with explain)]. */
const PASSES: [string, string, Partial<EnvRules>, string][] = [
  ["PATH", "/bin", {}, "allowlist"],
  ["JAVA_HOME", "/jvm", {}, "allowlist *_HOME"],
  ["LC_CTYPE", "C", {}, "allowlist LC_*"],
  ["FOO", "bar", { pass: ["FOO"] }, "--env"],
  ["EDITOR", "vi", { pass: ["EDITOR"], deny: ["EDITOR"] }, "--env"], // the flag beats env.deny
  ["CI_JOB_TOKEN", "abc", { allow: ["CI_JOB_TOKEN"] }, "env.allow"], // an exact name passes any name
  ["AIDER_MODEL", "gpt-4o", { allow: ["AIDER_*"] }, "env.allow glob"],
  [
    "GITHUB_TOKEN",
    GHP,
    { unchecked: { GITHUB_TOKEN: "--env-secret" } },
    "--env-secret (value not checked)",
  ],
  [
    "BW_SESSION",
    REVIEW.BW_SESSION!,
    { unchecked: { BW_SESSION: "env.allow_secrets" } },
    "env.allow_secrets (value not checked)",
  ],
];

for (const [name, value, rules, reason] of PASSES) {
  Deno.test(`filterEnv() passes ${name} by ${reason}`, () => {
    const out = filterEnv({ [name]: value }, { ...NONE, ...rules, explain: true });
    equal(out.vars[name], value);
    deepEqual(out.removed, []);
    equal(out.passed?.[name], reason);
  });
}

Deno.test("filterEnv() sets env.set, then --env NAME=VALUE, unchecked and not listed as removed", () => {
  const out = filterEnv(
    { LANG: "C", MY_TOKEN: "inherited", EDITOR: "nano", HTTPS_PROXY: "http://p" },
    {
      ...NONE,
      set: { LANG: "C.UTF-8", EDITOR: "vi" },
      setByFlag: { EDITOR: "emacs", MY_TOKEN: GHP, HTTPS_PROXY: "http://mine" },
      explain: true,
    },
  );
  deepEqual(out.vars, {
    LANG: "C.UTF-8",
    EDITOR: "emacs",
    MY_TOKEN: GHP,
    HTTPS_PROXY: "http://mine",
  });
  deepEqual(out.removed, []);
  deepEqual(out.set, ["EDITOR", "HTTPS_PROXY", "LANG", "MY_TOKEN"]);
  equal(out.passed?.LANG, "set by env.set");
  equal(out.passed?.EDITOR, "set by --env NAME=VALUE");
});

Deno.test("filterEnv() lists names passed unchecked, and only those that were there", () => {
  const out = filterEnv(
    { GITHUB_TOKEN: GHP },
    { ...NONE, unchecked: { GITHUB_TOKEN: "--env-secret", ABSENT: "--env-secret" } },
  );
  deepEqual(out.unchecked, ["GITHUB_TOKEN"]);
  equal(filterEnv({ PATH: "/bin" }, NONE).unchecked, undefined);
});

Deno.test("filterEnv() records why a name passed only when explaining", () => {
  equal(filterEnv({ PATH: "/bin" }, NONE).passed, undefined);
  deepEqual(filterEnv({ PATH: "/bin" }, { ...NONE, explain: true }).passed, { PATH: "allowlist" });
});

Deno.test("filterEnv() never puts a removed value in its result", () => {
  const env = { ...REVIEW, LANG: GHP, FOO: "x" };
  const out = filterEnv(env, { ...NONE, explain: true, pass: ["LANG"] });
  const json = JSON.stringify(out);
  for (const value of Object.values(env)) ok(!json.includes(value), value);
});

/** [name, looks like a credential]. */
const NAMES: [string, boolean][] = [
  ["GITHUB_PAT", true],
  ["MYSQL_PWD", true],
  ["PGPASSWORD", true],
  ["STRIPE_KEY", true],
  ["DATABASE_URL", true],
  ["TEST_DATABASE_URL", true],
  ["REDIS_URL", true],
  ["MONGODB_URI", true],
  ["SENTRY_DSN", true],
  ["SLACK_WEBHOOK_URL", true],
  ["BW_SESSION", true],
  ["OP_SESSION_my_team", true],
  ["OPENAI_API_KEY", true],
  ["MY_APIKEY", true],
  ["AWS_ACCESS_KEY_ID", true],
  ["AWS_SECRET_ACCESS_KEY", true],
  ["CLIENT_SECRET", true],
  ["DJANGO_SECRET_KEY", true],
  ["GH_TOKEN", true],
  ["CLAUDE_CODE_OAUTH_TOKEN", true],
  ["CLAUDE_CODE_CLIENT_KEY_PASSPHRASE", true],
  ["GOOGLE_APPLICATION_CREDENTIALS", true],
  ["JWT_PRIVATE_KEY", true],
  ["SSH_AUTH_SOCK", true],
  ["npm_config__auth", true],
  ["npm_config_//registry.npmjs.org/:_authToken", true],
  ["openai_api_key", true],
  ["PATH", false],
  ["PWD", false],
  ["OLDPWD", false],
  ["HOME", false],
  ["JAVA_HOME", false],
  ["MAX_THINKING_TOKENS", false],
  ["KEYBOARD", false],
  ["TOKENIZERS_PARALLELISM", false],
  ["GIT_ASKPASS", false],
  ["GIT_AUTHOR_NAME", false],
  ["CLAUDE_CODE_USE_BEDROCK", false],
];

for (const [name, credential] of NAMES) {
  Deno.test(`looksLikeCredentialName() ${credential ? "flags" : "passes"} ${name}`, () => {
    equal(looksLikeCredentialName(name), credential);
  });
}

Deno.test("builtinAllow() names the rule: exact or pattern", () => {
  equal(builtinAllow("PATH"), "name");
  equal(builtinAllow("GRADLE_USER_HOME"), "*_HOME");
  equal(builtinAllow("ANDROID_SDK_ROOT"), "*_ROOT");
  equal(builtinAllow("LC_MESSAGES"), "LC_*");
  equal(builtinAllow("XDG_RUNTIME_DIR"), null);
  equal(builtinAllow("HOMEX"), null);
});

Deno.test("matchesAny() treats * as any run and escapes the rest", () => {
  equal(matchesAny("A.B", ["A.B"]), true);
  equal(matchesAny("AXB", ["A.B"]), false);
  equal(matchesAny("X_TOKEN", ["*_TOKEN"]), true);
  equal(matchesAny("x_token", ["*_TOKEN"]), false);
  equal(matchesAny("x_token", ["*_TOKEN"], true), true);
  equal(matchesAny("X", []), false);
});

Deno.test("docs/profiles.md lists every built-in allowed and excluded name", async () => {
  const doc = await Deno.readTextFile(new URL("../../docs/profiles.md", import.meta.url));
  for (const name of [...ALLOWED_NAMES, ...ALLOWED_PATTERNS, ...Object.keys(EXCLUDED_NAMES)]) {
    ok(doc.includes(`\`${name}\``), `${name} is not in docs/profiles.md`);
  }
});
