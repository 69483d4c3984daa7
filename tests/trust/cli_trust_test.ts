/** `airlock trust verify | list | block | schema | sign` through the real CLI. */

import { deepEqual, equal, match, ok } from "node:assert/strict";
import { runCli } from "../_cli.ts";
import { tempDir, writeTree } from "./_fixtures.ts";
import { TRUST_POLICY_KEYS } from "../../src/trust/policy_validate.ts";

async function setup() {
  const root = await tempDir("airlock-trust-cli-");
  const env = {
    HOME: `${root}/home`,
    XDG_CONFIG_HOME: `${root}/home/.config`,
    XDG_STATE_HOME: `${root}/home/.state`,
  };
  writeTree(root, { "work/CLAUDE.md": "a\n", "work/pkg/AGENTS.md": "b\n", "home/.keep": "" });
  const cli = (args: string[]) => runCli(args, { cwd: `${root}/work`, env });
  return {
    root,
    cli,
    async [Symbol.asyncDispose]() {
      await Deno.remove(root, { recursive: true });
    },
  };
}

Deno.test("airlock trust verify exits 1 on a failure and --json reports every file", async () => {
  await using d = await setup();
  equal((await d.cli(["trust", "keygen", "--keyref", `file://${d.root}/k.pem`])).code, 0);
  equal((await d.cli(["trust", "sign", "CLAUDE.md"])).code, 0);
  equal((await d.cli(["trust", "init"])).code, 0);
  const r = await d.cli(["trust", "verify", "--json"]);
  equal(r.code, 1);
  const report = JSON.parse(r.stdout);
  equal(report.enforcement, "deny");
  deepEqual(report.files.map((f: { name: string; status: string }) => [f.name, f.status]), [
    ["CLAUDE.md", "verified"],
    ["pkg/AGENTS.md", "unsigned"],
  ]);
  const one = await d.cli(["trust", "verify", "CLAUDE.md"]);
  equal(one.code, 0, one.stderr);
  match(one.stdout, /^verified\s+CLAUDE\.md\s+by default$/m);
  const list = await d.cli(["trust", "list"]);
  equal(list.code, 0);
  match(list.stdout, /unsigned\s+pkg\/AGENTS\.md\s+has no pkg\/AGENTS\.md\.bundle/);
});

Deno.test("airlock trust block takes a SHA-256 or a file, and needs a policy", async () => {
  await using d = await setup();
  const none = await d.cli(["trust", "block", "CLAUDE.md"]);
  equal(none.code, 125);
  match(
    none.stderr,
    /Cannot edit trust policy .* it does not exist\n {2}hint: create it with `airlock trust init`/,
  );
  equal((await d.cli(["trust", "init"])).code, 0);
  const digest = "AB".repeat(32);
  match((await d.cli(["trust", "block", digest])).stdout, /^Blocked sha256 (ab){32}$/m);
  match((await d.cli(["trust", "block", digest])).stdout, /^Already blocked/m);
  const bad = await d.cli(["trust", "block", "nope"]);
  equal(bad.code, 2);
  match(bad.stderr, /neither a file nor a SHA-256/);
  equal((await d.cli(["trust", "init"])).code, 125); // refuses to overwrite
});

Deno.test("airlock trust sign: FILE… or --all, not both; a missing key names the fix", async () => {
  await using d = await setup();
  const both = await d.cli(["trust", "sign", "--all", "CLAUDE.md"]);
  equal(both.code, 2);
  const nokey = await d.cli(["trust", "sign", "CLAUDE.md"]);
  equal(nokey.code, 125);
  match(nokey.stderr, /Cannot use signing key "default": there is no such key/);
  match(nokey.stderr, /hint: create it with `airlock trust keygen --id default`/);
});

Deno.test("airlock trust schema prints the schema, which names the validator's keys", async () => {
  await using d = await setup();
  const r = await d.cli(["trust", "schema"]);
  equal(r.code, 0);
  const schema = JSON.parse(r.stdout);
  equal(schema.title, "airlock trust policy");
  deepEqual(Object.keys(schema.properties).sort(), [...TRUST_POLICY_KEYS[""]].sort());
  deepEqual(
    Object.keys(schema.properties.blocklist.properties).sort(),
    [...TRUST_POLICY_KEYS.blocklist].sort(),
  );
  deepEqual(
    Object.keys(schema.$defs.keyPublisher.properties).sort(),
    [...TRUST_POLICY_KEYS.keyPublisher].sort(),
  );
  deepEqual(
    Object.keys(schema.$defs.keylessPublisher.allOf[0].properties).sort(),
    [...TRUST_POLICY_KEYS.keylessPublisher].sort(),
  );
  deepEqual(
    Object.keys(schema.$defs.claims.properties).sort(),
    [...TRUST_POLICY_KEYS.keylessIdentity].sort(),
  );
  ok(schema.additionalProperties === false);
});
