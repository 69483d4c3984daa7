import { deepEqual, equal } from "node:assert/strict";
import { parseFastRun } from "../../src/cli/fast_run.ts";
import { buildProgram, commandModules } from "../../src/cli/mod.ts";
import { runCli } from "../_cli.ts";

/** What commander makes of the same arguments (actions replaced by a recorder). */
async function commanderParse(args: string[]) {
  const program = buildProgram(await commandModules(args));
  let seen: { command: string[]; values: Record<string, unknown> } | null = null;
  program.commands.find((c) => c.name() === "run")!.action((command: string[], values) => {
    seen = { command, values: { ...values } };
  });
  program.commands.find((c) => c.name() === "shell")!.action((values) => {
    seen = { command: [], values: { ...values } };
  });
  await program.parseAsync(args, { from: "user" });
  return seen;
}

const SAME: string[][] = [
  ["run", "--", "ls"],
  ["run", "--", "ls", "-la", "--", "x"],
  ["run", "-p", "codex", "--", "codex", "exec"],
  ["run", "--profile=claude-code", "--", "claude"],
  ["run", "-a", "/a", "--allow", "/b", "-r", "/c", "-w", "/d", "--", "true"],
  ["run", "--workdir", "/srv", "--", "true"],
  ["run", "--no-workdir", "--", "true"],
  ["run", "--net", "none", "--allow-port", "80", "--allow-port", "443", "--", "true"],
  ["run", "--net=open", "--listen-port", "8080", "--allow-unix-sockets", "--", "true"],
  ["run", "--allow-domain", "example.com", "--credential", "openai", "--", "true"],
  ["run", "--credential", "gemini=env:G", "--resolve", "h:443:127.0.0.1", "--", "true"],
  ["run", "--upstream-ca", "/ca.pem", "--bypass-protection", "~/.ssh", "--", "true"],
  ["run", "--best-effort", "--dry-run", "--json", "--", "true"],
  ["run", "-p", "default", "-p", "codex", "--", "true"],
  ["run", "--allow-port=80", "--allow-port", "81", "--", "true"],
  ["run", "--profile", "", "--", "true"],
  ["run", "--env", "JAVA_HOME", "--env=MODE=dev", "--env", "A=", "--", "true"],
  ["run", "--env-secret", "GITHUB_TOKEN", "--env-secret=NPM_TOKEN", "--", "true"],
  ["shell"],
  ["shell", "-p", "aider", "--net", "none", "--dry-run"],
];

for (const args of SAME) {
  Deno.test(`parseFastRun() agrees with commander on: ${args.join(" ")}`, async () => {
    const fast = parseFastRun(args);
    const slow = await commanderParse(args);
    deepEqual(fast && { command: fast.command, values: { ...fast.values } }, slow);
  });
}

const DEFERRED: string[][] = [
  ["run", "ls"], // no --: commander's pass-through rules apply
  ["run", "--"], // no command: commander's usage error
  ["run", "--help", "--", "ls"],
  ["run", "-h", "--", "ls"],
  ["run", "--bogus", "--", "ls"],
  ["run", "--net", "wide", "--", "ls"],
  ["run", "--profile", "--", "ls"],
  ["run", "--workdir", "/x", "--no-workdir", "--", "ls"],
  ["run", "stray", "--", "ls"],
  ["run", "--json=1", "--", "ls"], // a value for a boolean flag
  ["run", "--no-workdir=yes", "--", "ls"],
  ["run", "-pcodex", "--", "ls"], // attached short values: commander's rules
  ["run", "-p=codex", "--", "ls"],
  ["run", "--workdir", "-x", "--", "ls"], // a value that looks like a flag
  ["run", "-ab", "--", "ls"],
  ["run", "--env", "--", "ls"], // --env without its value
  ["shell", "extra"],
  ["why", "--path", "/"],
];

for (const args of DEFERRED) {
  Deno.test(`parseFastRun() leaves to commander: ${args.join(" ")}`, () => {
    equal(parseFastRun(args), null);
  });
}

Deno.test("airlock run through the fast path reports errors like the full CLI", async () => {
  const r = await runCli(["run", "--allow-port", "0", "--", "true"]);
  equal(r.code, 2);
  equal(
    r.stderr.trim(),
    'airlock: Cannot parse --allow-port: a port must be an integer from 1 to 65535: current value is "0"',
  );
  const missing = await runCli(["run", "-p", "no-such-profile", "--", "true"]);
  equal(missing.code, 125);
  equal(
    missing.stderr.startsWith('airlock: Cannot load profile "no-such-profile"'),
    true,
    missing.stderr,
  );
});
