import { deepEqual, equal, match, ok } from "node:assert/strict";
import { runCli } from "../_cli.ts";
import { BUILTIN_PROFILES } from "../../src/policy/locate.ts";
import { cliEnv, fixture } from "../policy/_helpers.ts";

Deno.test("airlock profile list --json lists built-in and user profiles with descriptions", async () => {
  await using fx = await fixture();
  await fx.userProfile("mine", { extends: "default", description: "my profile" });
  await fx.userProfile("codex", { extends: "codex", description: "my codex" });
  await fx.userProfile("broken", "{ nope");
  const r = await runCli(["profile", "list", "--json"], { cwd: fx.work, env: cliEnv(fx) });
  equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as {
    name: string;
    source: string;
    description: string;
    shadowed: boolean;
  }[];
  deepEqual(rows.filter((x) => x.source === "built-in").map((x) => x.name), [...BUILTIN_PROFILES]);
  ok(rows.every((x) => x.description.length > 0));
  deepEqual(rows.find((x) => x.name === "mine"), {
    name: "mine",
    source: "user",
    file: `${fx.home}/.config/airlock/profiles/mine.json`,
    description: "my profile",
    shadowed: false,
  });
  equal(rows.find((x) => x.name === "codex" && x.source === "built-in")?.shadowed, true);
  match(
    rows.find((x) => x.name === "broken")?.description ?? "",
    /^\(invalid: Cannot load profile "broken": .*:1:3/,
  );
});

Deno.test("airlock profile list prints one line per profile", async () => {
  await using fx = await fixture();
  await fx.userProfile("codex", { extends: "codex", description: "my codex" });
  const r = await runCli(["profile", "list"], { cwd: fx.work, env: cliEnv(fx) });
  equal(r.code, 0);
  equal(r.stdout.trim().split("\n").length, BUILTIN_PROFILES.length + 1);
  match(r.stdout, /^claude-code +built-in +Claude Code/m);
  match(r.stdout, /^codex +built-in +OpenAI Codex.* \(overridden\)$/m);
  match(r.stdout, /^codex +user +my codex \(overrides built-in\)$/m);
});

Deno.test("airlock profile show prints the merged profile with origins", async () => {
  await using fx = await fixture();
  const r = await runCli(["profile", "show", "claude-code"], { cwd: fx.work, env: cliEnv(fx) });
  equal(r.code, 0, r.stderr);
  match(r.stdout, /^profile claude-code \(policies\/claude-code\.json\)/);
  match(r.stdout, /chain: default → agent-base → claude-code/);
  match(r.stdout, /read +\/usr +profile default: filesystem\.read\[0\]/);
  match(
    r.stdout,
    /read\+write +~\/\.claude \(created if missing\) +profile claude-code: filesystem\.allow\[0\]/,
  );
  match(r.stdout, /set CLAUDE_CONFIG_DIR=\$HOME\/\.claude/);
});

Deno.test("airlock profile show --json gives the merged profile and the resolved policy", async () => {
  await using fx = await fixture();
  await Deno.mkdir(`${fx.home}/.codex`);
  const r = await runCli(["profile", "show", "codex", "--json"], { cwd: fx.work, env: cliEnv(fx) });
  equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  deepEqual(out.chain, ["default", "agent-base", "codex"]);
  deepEqual(out.profile.filesystem.allow.at(-1), { path: "~/.codex", create: true });
  equal(out.policy.profile, "codex");
  equal(out.policy.workdir, null);
  ok(out.policy.paths.some((r: { path: string }) => r.path === `${fx.home}/.codex`));
  ok(out.policy.network.allowDomains.includes("api.openai.com"));
});

Deno.test("airlock profile check exits 0 for a valid file and 125 with one line otherwise", async () => {
  await using fx = await fixture();
  const good = await fx.file(
    "good.jsonc",
    '// ok\n{ "extends": "default", "filesystem": { "read": [{ "path": "~/x", "optional": true }] } }',
  );
  const r = await runCli(["profile", "check", good], { cwd: fx.work, env: cliEnv(fx) });
  equal(r.code, 0, r.stderr);
  match(
    r.stdout,
    /^profile ".*good\.jsonc" is valid: \d+ filesystem grants on this machine, chain default → /,
  );

  const cases: [string, string, RegExp][] = [
    ["malformed.json", '{\n  "extends": "default",,\n}', /malformed\.json:2:24 is not valid JSONC/],
    [
      "unknown.json",
      '{ "network": { "mode": "proxy", "ports": [1] } }',
      /unknown key "network\.ports": known keys in network are mode, allow_ports/,
    ],
    [
      "relative.json",
      '{ "filesystem": { "write": ["tmp"] } }',
      /filesystem\.write\[0\] must be an absolute path: current value is "tmp"/,
    ],
    [
      "port.json",
      '{ "network": { "allow_ports": [99999] } }',
      /network\.allow_ports\[0\] must be an integer from 1 to 65535: current value is 99999/,
    ],
    [
      "mode.json",
      '{ "network": { "mode": "all" } }',
      /network\.mode must be one of proxy, none, open: current value is "all"/,
    ],
    [
      "missing.json",
      '{ "filesystem": { "read": ["/no/such/dir"] } }',
      /filesystem\.read\[0\] does not exist: current value is "\/no\/such\/dir"/,
    ],
    [
      "protected.json",
      '{ "filesystem": { "read": ["~"] } }',
      /Cannot grant ".*\/home" \(profile .*protected\.json: filesystem\.read\[0\]\): it contains the protected path/,
    ],
    ["cycle.json", '{ "extends": "./cycle.json" }', /extends forms a cycle/],
    [
      "parent.json",
      '{ "extends": "nosuch" }',
      /Cannot load profile "nosuch": no built-in or user profile has that name: known profiles are default/,
    ],
  ];
  for (const [file, text, pattern] of cases) {
    const path = await fx.file(file, text);
    const bad = await runCli(["profile", "check", path], { cwd: fx.work, env: cliEnv(fx) });
    equal(bad.code, 125, `${file}: ${bad.stderr}`);
    equal(bad.stdout, "");
    const lines = bad.stderr.trimEnd().split("\n");
    match(lines[0] ?? "", /^airlock: Cannot (load profile|grant) /, file);
    match(lines[0] ?? "", pattern, file);
    ok(lines.length <= 2 && (lines[1] === undefined || lines[1].startsWith("  hint: ")), file);
  }
});

Deno.test("airlock profile schema prints the JSON Schema", async () => {
  const r = await runCli(["profile", "schema"]);
  equal(r.code, 0);
  const schema = JSON.parse(r.stdout);
  equal(schema.title, "airlock profile");
  ok("filesystem" in schema.properties);
});
