/**
 * The environment allowlist through the real CLI (issue 9, finding 6): a confined command
 * prints its environment, and none of the review's variables — nor a secret-shaped value
 * under an innocent or allowed name — may be in it, while the controls (PATH, HOME, LANG,
 * JAVA_HOME, a profile's env.allow, --env) are. `why --env`, `--dry-run` and the session
 * audit name what was removed and why, never a value.
 */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { runCli } from "../_cli.ts";

const linuxOnly = { ignore: Deno.build.os !== "linux" };

// Fake secrets, assembled at run time (no scanner-bait in the file), each unique so a
// leak is attributable.
const ALNUM = "a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ";
const SECRETS: Record<string, string> = {
  PGPASSWORD: "pg-pass-4711",
  MYSQL_PWD: "mysql-pass-4712",
  STRIPE_KEY: `sk_live_${ALNUM.slice(0, 24)}`,
  GITHUB_PAT: `ghp_${ALNUM.slice(0, 36)}`,
  DATABASE_URL: "postgres://app:db-pass-4713@db.internal:5432/app",
  REDIS_URL: "redis://:redis-pass-4714@cache:6379/0",
  SENTRY_DSN: "https://0f1e2d3c4b5a69780f1e2d3c4b5a6978@o1.ingest.sentry.io/2",
  SLACK_WEBHOOK_URL: `https://hooks.slack.com/services/T0000/B0000/${ALNUM.slice(0, 24)}`,
  BW_SESSION: "5PBYGU+5yt3RHcCjoeJKx/wByU34vokGRZjXpSH7Ylo8w==",
  OP_SESSION_myteam: "Hkj3nd8-hhsieTBpEWu2Z03GV81WoqPzXyLm4aB7cDe",
  // Secret shapes under innocent names, and under names the allowlist or --env passes.
  FOO: `ghp_${ALNUM.slice(1)}Q`,
  BAR: `sk-proj-${ALNUM}${ALNUM}`,
  EDITOR: `glpat-${ALNUM.slice(0, 20)}`,
  PAGER: `AKIA${"QWERTYUIOP234567"}`,
  PASSED_BY_FLAG: "https://user:flag-pass-4715@example.com/",
};

/** The controls: [name, value] that must reach the command unchanged. */
const CONTROLS: Record<string, string> = {
  LANG: "C.UTF-8",
  JAVA_HOME: "/usr/lib/jvm/java-17-openjdk",
  GOPATH: "/opt/go-path",
  TOOL_MODE: "allowed-by-profile",
  PLAIN: "passed-by-flag",
};

/** A workdir, a fake HOME with a user profile, a state dir; removed on dispose. */
async function dirs() {
  const root = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "airlock-env-" });
  const d = {
    root,
    work: `${root}/work`,
    home: `${root}/home`,
    state: `${root}/state`,
    async [Symbol.asyncDispose]() {
      await Deno.remove(root, { recursive: true });
    },
  };
  for (const dir of [d.work, d.home, d.state]) await Deno.mkdir(dir);
  const profiles = `${d.home}/.config/airlock/profiles`;
  await Deno.mkdir(profiles, { recursive: true });
  await Deno.writeTextFile(
    `${profiles}/envy.json`,
    JSON.stringify({ extends: "default", env: { allow: ["TOOL_MODE"] } }),
  );
  return d;
}

type Dirs = Awaited<ReturnType<typeof dirs>>;

/** Runs `airlock run FLAGS -- /usr/bin/env` with the secrets and controls in airlock's environment. */
function confinedEnv(d: Dirs, flags: string[], extra: Record<string, string> = {}) {
  return runCli(["run", ...flags, "--", "/usr/bin/env"], {
    cwd: d.work,
    env: {
      HOME: d.home,
      XDG_CONFIG_HOME: `${d.home}/.config`,
      XDG_STATE_HOME: d.state,
      ...SECRETS,
      ...CONTROLS,
      ...extra,
    },
  });
}

/** The command's environment as printed by env(1). */
function parseEnv(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) out.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return out;
}

function assertNoSecret(text: string): void {
  for (const [name, value] of Object.entries(SECRETS)) {
    ok(!text.includes(value), `the value of ${name} leaked`);
  }
}

Deno.test(
  "airlock run keeps the review's variables and secret-shaped values out of the command's environment",
  linuxOnly,
  async () => {
    await using d = await dirs();
    const r = await confinedEnv(d, [
      "-p",
      "envy",
      "--env",
      "PLAIN",
      "--env",
      "FOO", // passed by name, removed by value
      "--env",
      "PASSED_BY_FLAG",
      "--env",
      "SET_HERE=typed-value",
    ]);
    equal(r.code, 0, r.stderr);
    assertNoSecret(r.stdout);
    const env = parseEnv(r.stdout);
    for (const name of Object.keys(SECRETS)) {
      equal(env.has(name), false, `${name} reached the command`);
    }
    for (const [name, value] of Object.entries(CONTROLS)) equal(env.get(name), value, name);
    equal(env.get("SET_HERE"), "typed-value");
    equal(env.get("HOME"), d.home);
    ok(env.get("PATH")?.includes("/usr/bin"), "PATH passes");
  },
);

Deno.test(
  "airlock run passes a secret-shaped value only with --env-secret",
  linuxOnly,
  async () => {
    await using d = await dirs();
    const token = SECRETS.GITHUB_PAT!;
    const plain = await confinedEnv(d, ["--env", "GITHUB_PAT"]);
    equal(plain.code, 0, plain.stderr);
    ok(!plain.stdout.includes(token), "--env alone still checks the value");
    const secret = await confinedEnv(d, ["--env-secret", "GITHUB_PAT"]);
    equal(secret.code, 0, secret.stderr);
    equal(parseEnv(secret.stdout).get("GITHUB_PAT"), token);
    // Only that one: the other secrets stay out.
    ok(!secret.stdout.includes(SECRETS.STRIPE_KEY!));
  },
);

Deno.test("airlock run refuses --env on proxy, airlock and credential-source names (exit 2)", async () => {
  await using d = await dirs();
  const cases: [string[], RegExp][] = [
    [
      ["--env", "HTTPS_PROXY=http://evil:3128"],
      /Cannot pass --env HTTPS_PROXY: airlock sets the proxy variables itself/,
    ],
    [["--env", "AIRLOCK_ANYTHING"], /Cannot pass --env AIRLOCK_ANYTHING: airlock's own variable/],
    [["--env-secret", "GITHUB_PAT=x"], /Cannot parse --env-secret: it takes a variable name/],
    [["--env", "9LIVES"], /Cannot parse --env: a variable name uses letters/],
    [
      ["--credential", "openai=env:REAL_KEY", "--env", "REAL_KEY"],
      /Cannot pass --env REAL_KEY: the proxy reads credential "openai" from it/,
    ],
  ];
  for (const [flags, pattern] of cases) {
    const r = await confinedEnv(d, flags, { REAL_KEY: "sk-real-key-4716" });
    equal(r.code, 2, flags.join(" "));
    match(r.stderr, pattern);
    equal(r.stdout, "", "the command did not start");
    ok(!r.stderr.includes("sk-real-key-4716"));
  }
});

Deno.test("airlock why --env names what passes and what is removed, never a value", async () => {
  await using d = await dirs();
  const r = await runCli(["why", "-p", "envy", "--env", "--env", "FOO", "--json"], {
    cwd: d.work,
    env: { HOME: d.home, XDG_CONFIG_HOME: `${d.home}/.config`, ...SECRETS, ...CONTROLS },
  });
  equal(r.code, 0, r.stderr);
  assertNoSecret(r.stdout);
  const out = JSON.parse(r.stdout) as {
    passed: { name: string; reason: string }[];
    removed: { name: string; reason: string }[];
  };
  const passed = Object.fromEntries(out.passed.map((e) => [e.name, e.reason]));
  const removed = Object.fromEntries(out.removed.map((e) => [e.name, e.reason]));
  equal(passed.LANG, "allowlist");
  equal(passed.JAVA_HOME, "allowlist *_HOME");
  equal(passed.TOOL_MODE, "env.allow");
  equal(removed.FOO, "the value looks like a GitHub token");
  equal(removed.EDITOR, "the value looks like a GitLab token");
  equal(removed.PGPASSWORD, "not on the allowlist (the name looks like a credential)");
  equal(removed.PLAIN, "not on the allowlist");
  for (const name of Object.keys(SECRETS)) ok(removed[name], `${name} listed as removed`);

  const text = await runCli(["why", "--env"], {
    cwd: d.work,
    env: { HOME: d.home, ...SECRETS },
  });
  equal(text.code, 0, text.stderr);
  assertNoSecret(text.stdout);
  match(
    text.stdout,
    /^ {2}BW_SESSION +not on the allowlist \(the name looks like a credential\)$/m,
  );
  match(text.stdout, /^ {2}EDITOR +the value looks like a GitLab token$/m);
  match(text.stdout, /pass a variable with --env NAME/);
});

Deno.test("airlock run --dry-run lists removals with reasons and redacts unchecked values", async () => {
  await using d = await dirs();
  const text = await confinedEnv(d, ["--dry-run", "--env-secret", "GITHUB_PAT"]);
  equal(text.code, 0, text.stderr);
  assertNoSecret(text.stdout);
  match(text.stdout, /removed, the value looks like a GitLab token: EDITOR/);
  match(
    text.stdout,
    /removed, not on the allowlist \(the name looks like a credential\): .*MYSQL_PWD/,
  );
  match(text.stdout, /passed, --env-secret \(value not checked\): GITHUB_PAT/);

  const json = await confinedEnv(d, ["--dry-run", "--json", "--env-secret", "GITHUB_PAT"]);
  equal(json.code, 0, json.stderr);
  assertNoSecret(json.stdout);
  const env = JSON.parse(json.stdout).policy.env;
  equal(env.vars.GITHUB_PAT, "<redacted>");
  equal(env.reasons.SLACK_WEBHOOK_URL, "not on the allowlist (the name looks like a credential)");
  equal(env.passed.LANG, "allowlist");
  deepEqual(env.unchecked, ["GITHUB_PAT"]);
});

Deno.test(
  "airlock run with a session records the removed names and reasons in the audit, never values",
  linuxOnly,
  async () => {
    await using d = await dirs();
    const real = "sk-real-session-key-4717";
    const r = await confinedEnv(d, ["--credential", "openai=env:REAL_KEY"], { REAL_KEY: real });
    equal(r.code, 0, r.stderr);
    assertNoSecret(r.stdout);
    ok(!r.stdout.includes(real), "the credential's source never reaches the command");
    const env = parseEnv(r.stdout);
    ok(env.get("OPENAI_API_KEY"), "the command got its phantom token");
    const sessions = [...Deno.readDirSync(`${d.state}/airlock/sessions`)];
    equal(sessions.length, 1);
    const file = `${d.state}/airlock/sessions/${sessions[0]!.name}/environment.json`;
    const raw = await Deno.readTextFile(file);
    assertNoSecret(raw);
    ok(!raw.includes(real));
    equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    const record = JSON.parse(raw) as {
      passed: string[];
      removed: { name: string; reason: string }[];
    };
    const removed = Object.fromEntries(record.removed.map((e) => [e.name, e.reason]));
    equal(removed.REAL_KEY, 'the proxy reads credential "openai" from it');
    equal(removed.DATABASE_URL, "not on the allowlist (the name looks like a credential)");
    for (const name of Object.keys(SECRETS)) ok(removed[name], `${name} recorded as removed`);
    ok(record.passed.includes("LANG"));
  },
);
