import { deepEqual, equal, match, ok } from "node:assert/strict";
import { runCli } from "../_cli.ts";
import { dryRunJson, dryRunText } from "../../src/cli/dry_run.ts";
import { resolvePolicy } from "../../src/policy/mod.ts";
import { cliEnv, fixture } from "../policy/_helpers.ts";

const SECRET = "sk-dry-run-secret-value";

Deno.test("dryRunText() lists every rule with access and origin, network, env names and the report", async () => {
  await using fx = await fixture();
  const policy = await resolvePolicy(fx.request({
    profile: "claude-code",
    env: { ...fx.env, ANTHROPIC_API_KEY: SECRET },
    allowPorts: [5432],
    credentials: ["anthropic"],
  }));
  const text = dryRunText(policy, { enforced: ["fs", "net.tcp"], dropped: [] }, [
    "claude",
    "-p",
    "hi",
  ]);
  match(text, /^airlock dry run: \["claude","-p","hi"\]\n/);
  match(text, /profile: claude-code \(default → agent-base → claude-code\)/);
  for (const rule of policy.paths) {
    ok(text.includes(`${rule.access.join("+").padEnd(10)}  ${rule.path}`), rule.path);
    ok(text.includes(rule.origin), rule.origin);
  }
  match(text, /network: mode proxy/);
  match(text, /connect ports: 5432\n {4}5432 +--allow-port/);
  match(text, /api\.anthropic\.com +profile claude-code: network\.allow_domains\[0\]/);
  match(text, /credentials: anthropic ← keyring:anthropic/);
  match(
    text,
    /removed, not on the allowlist \(the name looks like a credential\): ANTHROPIC_API_KEY/,
  );
  match(text, new RegExp(`set: CLAUDE_CONFIG_DIR=${fx.home}/\\.claude`));
  match(text, /kernel enforces: fs, net\.tcp\ndropped: none$/);
  ok(!text.includes(SECRET));
});

Deno.test("dryRunText() says what --best-effort drops and skips ports in open mode", async () => {
  await using fx = await fixture();
  const policy = await resolvePolicy(fx.request({ net: "open", bestEffort: true }));
  const text = dryRunText(policy, { enforced: ["fs"], dropped: ["net.tcp"] }, ["sh"]);
  match(text, /network: mode open \(unrestricted\)\n {2}unix sockets: denied/);
  match(text, /dropped \(--best-effort\): net\.tcp$/);
});

Deno.test("dryRunJson() carries the policy, argv and report", async () => {
  await using fx = await fixture();
  const policy = await resolvePolicy(fx.request());
  const report = { enforced: ["fs"], dropped: [] };
  const out = dryRunJson(policy, report, ["bash"]);
  deepEqual(out.argv, ["bash"]);
  equal(out.policy, policy);
  equal(out.enforcement, report);
});

Deno.test("airlock run --dry-run prints the policy and never a removed value", async () => {
  await using fx = await fixture();
  const env = { ...cliEnv(fx), OPENAI_API_KEY: SECRET };
  const text = await runCli(["run", "--dry-run", "-p", "codex", "--", "codex"], {
    cwd: fx.work,
    env,
  });
  equal(text.code, 0, text.stderr);
  match(text.stdout, /^airlock dry run: \["codex"\]/);
  match(text.stdout, new RegExp(`read\\+write +${fx.work} +workdir`));
  match(text.stdout, /removed, [^:]+: .*OPENAI_API_KEY/);
  ok(!text.stdout.includes(SECRET));

  const json = await runCli(["run", "--dry-run", "--json", "-p", "codex", "--", "codex", "exec"], {
    cwd: fx.work,
    env,
  });
  equal(json.code, 0, json.stderr);
  const out = JSON.parse(json.stdout);
  deepEqual(out.argv, ["codex", "exec"]);
  equal(out.policy.profile, "codex");
  ok(Array.isArray(out.enforcement.enforced));
  ok(out.policy.env.removed.includes("OPENAI_API_KEY"));
  ok(!json.stdout.includes(SECRET));
});
