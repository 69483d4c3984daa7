import { deepEqual, equal, ok } from "node:assert/strict";
import { parseEnvFlags } from "../../src/policy/env_flags.ts";
import { resolvePolicy } from "../../src/policy/mod.ts";
import { fixture, thrown } from "./_helpers.ts";

const GHP = `ghp_${"a1B2c3D4e5".repeat(4).slice(0, 36)}`;

Deno.test("parseEnvFlags() splits names to pass from values to set, last value winning", () => {
  const flags = parseEnvFlags(["A", "B=1", "B=2", "A", "C=", "D=x=y"], ["S", "S"]);
  deepEqual(flags.pass, ["A"]);
  deepEqual(flags.set, { B: "2", C: "", D: "x=y" });
  deepEqual(flags.secret, ["S"]);
});

/** [flags, secret flags, message part]: each is a usage error (exit 2). */
const BAD: [string[], string[], string][] = [
  [
    ["1FOO"],
    [],
    '--env: a variable name uses letters, digits and "_" and does not start with a digit: current value is "1FOO"',
  ],
  [["=value"], [], 'current value is ""'],
  [["A-B=1"], [], 'current value is "A-B"'],
  [
    ["HTTPS_PROXY=http://x"],
    [],
    "Cannot pass --env HTTPS_PROXY: airlock sets the proxy variables itself",
  ],
  [["no_proxy"], [], "Cannot pass --env no_proxy: airlock sets the proxy variables itself"],
  [["AIRLOCK_X=1"], [], "Cannot pass --env AIRLOCK_X: airlock's own variable"],
  [[], ["A=1"], "Cannot parse --env-secret: it takes a variable name, not NAME=VALUE"],
  [[], ["ALL_PROXY"], "Cannot pass --env-secret ALL_PROXY"],
  [[], ["a b"], "--env-secret: a variable name uses letters"],
];

for (const [env, secret, message] of BAD) {
  Deno.test(`parseEnvFlags() refuses --env ${env.join(" ")} --env-secret ${secret.join(" ")}`, async () => {
    const err = await thrown(() => parseEnvFlags(env, secret));
    ok(err.message.includes(message), err.message);
    equal((err as Error & { exitCode?: number }).exitCode, 2);
  });
}

Deno.test("parseEnvFlags() never echoes a pasted secret as a bad name", async () => {
  const pasted = `sk-proj-${"a1B2c3D4e5".repeat(5)}`;
  const err = await thrown(() => parseEnvFlags([pasted], []));
  ok(!err.message.includes(pasted), err.message);
  ok(err.message.includes("the value is not shown"), err.message);
  const err2 = await thrown(() => parseEnvFlags([], [`${pasted}`]));
  ok(!err2.message.includes(pasted), err2.message);
});

Deno.test("resolvePolicy() passes --env names, sets --env values and checks values", async () => {
  await using fx = await fixture();
  const policy = await resolvePolicy(fx.request({
    env: { ...fx.env, FOO: "bar", LEAKY: GHP, HIDDEN: "x" },
    envFlags: ["FOO", "LEAKY", "MODE=dev", "ABSENT"],
  }));
  equal(policy.env.vars.FOO, "bar");
  equal(policy.env.vars.MODE, "dev");
  equal(policy.env.vars.LEAKY, undefined);
  equal(policy.env.vars.ABSENT, undefined);
  equal(policy.env.reasons?.LEAKY, "the value looks like a GitHub token");
  equal(policy.env.reasons?.HIDDEN, "not on the allowlist");
  deepEqual(policy.env.set, ["MODE"]);
  equal(policy.env.passed, undefined, "not explained unless asked");
  ok(!JSON.stringify(policy).includes(GHP));
});

Deno.test("resolvePolicy() passes --env-secret and env.allow_secrets names unchecked", async () => {
  await using fx = await fixture();
  await fx.userProfile("secrets", {
    extends: "default",
    env: { allow_secrets: ["BW_SESSION"] },
  });
  const bw = "5PBYGU+5yt3RHcCjoeJKx/wByU34vokGRZjXpSH7Ylo8w==";
  const policy = await resolvePolicy(fx.request({
    profile: "secrets",
    env: { ...fx.env, GITHUB_TOKEN: GHP, BW_SESSION: bw, OTHER: GHP },
    envSecrets: ["GITHUB_TOKEN"],
    explainEnv: true,
  }));
  equal(policy.env.vars.GITHUB_TOKEN, GHP);
  equal(policy.env.vars.BW_SESSION, bw);
  equal(policy.env.vars.OTHER, undefined);
  deepEqual(policy.env.unchecked, ["BW_SESSION", "GITHUB_TOKEN"]);
  equal(policy.env.passed?.GITHUB_TOKEN, "--env-secret (value not checked)");
  equal(policy.env.passed?.BW_SESSION, "env.allow_secrets (value not checked)");
  equal(policy.env.passed?.PATH, "allowlist");
});

Deno.test("resolvePolicy() refuses --env and --env-secret on a credential's source variable", async () => {
  await using fx = await fixture();
  for (const over of [{ envFlags: ["REAL_KEY"] }, { envSecrets: ["REAL_KEY"] }]) {
    const err = await thrown(() =>
      resolvePolicy(fx.request({
        env: { ...fx.env, REAL_KEY: "sk-real" },
        credentials: ["openai=env:REAL_KEY"],
        ...over,
      }))
    );
    ok(err.message.includes('the proxy reads credential "openai" from it'), err.message);
    ok(!err.message.includes("sk-real"));
    equal((err as Error & { exitCode?: number }).exitCode, 2);
  }
});

Deno.test("resolvePolicy() removes a credential's source even when env.allow names it", async () => {
  await using fx = await fixture();
  await fx.userProfile("leaky", { extends: "default", env: { allow: ["REAL_KEY"] } });
  const policy = await resolvePolicy(fx.request({
    profile: "leaky",
    env: { ...fx.env, REAL_KEY: "sk-real" },
    credentials: ["openai=env:REAL_KEY"],
  }));
  equal(policy.env.vars.REAL_KEY, undefined);
  equal(policy.env.reasons?.REAL_KEY, 'the proxy reads credential "openai" from it');
});

Deno.test("resolvePolicy() refuses a glob in env.allow_secrets", async () => {
  await using fx = await fixture();
  await fx.userProfile("globby", { extends: "default", env: { allow_secrets: ["GH_*"] } });
  const err = await thrown(() => resolvePolicy(fx.request({ profile: "globby" })));
  ok(err.message.includes("env.allow_secrets[0] must be a variable name (no glob)"), err.message);
});
