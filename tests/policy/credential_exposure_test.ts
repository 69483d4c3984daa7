import { deepEqual, equal, match, ok, rejects } from "node:assert/strict";
import { checkCredentialFiles, credentialEnvNames } from "../../src/policy/credential_exposure.ts";
import { pathVars } from "../../src/policy/paths.ts";
import { runCli } from "../_cli.ts";

const VARS = pathVars({ HOME: "/nonexistent" }, "/nonexistent");

Deno.test("credentialEnvNames() lists only env: references, once each", () => {
  deepEqual(
    credentialEnvNames({ a: "env:K1", b: "keyring:b", c: "env:K1", d: "file:/x", e: "env:K0" }),
    ["K0", "K1"],
  );
});

Deno.test("checkCredentialFiles() refuses a key file inside a read grant", async () => {
  const dir = await Deno.makeTempDir({ dir: "/var/tmp" });
  try {
    await Deno.writeTextFile(`${dir}/key`, "k");
    const rules = [{ path: dir, access: ["read" as const, "write" as const], origin: "workdir" }];
    await rejects(
      checkCredentialFiles({ openai: `file:${dir}/key` }, rules, VARS),
      /Cannot serve credential "openai": its file .* is readable inside the sandbox through workdir/,
    );
    // Outside every grant: fine.
    await checkCredentialFiles({ openai: `file:${dir}/key` }, [
      { path: "/usr", access: ["read"], origin: "x" },
    ], VARS);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("airlock run removes the variable an env: credential reads, whatever its name", async () => {
  const dir = await Deno.makeTempDir({ dir: "/var/tmp" });
  try {
    const r = await runCli(
      ["run", "--dry-run", "--json", "--credential", "openai=env:MY_REAL_THING", "--", "env"],
      { cwd: dir, env: { MY_REAL_THING: "sk-real-value-xyz" } },
    );
    equal(r.code, 0, r.stderr);
    ok(!r.stdout.includes("sk-real-value-xyz"));
    const out = JSON.parse(r.stdout);
    ok(out.policy.env.removed.includes("MY_REAL_THING"));
    equal(out.policy.env.vars.MY_REAL_THING, undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("airlock run refuses a file: credential inside the workdir (exit 125)", async () => {
  const dir = await Deno.makeTempDir({ dir: "/var/tmp" });
  try {
    await Deno.writeTextFile(`${dir}/key.txt`, "sk-real");
    await Deno.chmod(`${dir}/key.txt`, 0o600);
    const r = await runCli(["run", "--credential", `openai=file:${dir}/key.txt`, "--", "true"], {
      cwd: dir,
    });
    equal(r.code, 125);
    match(r.stderr, /readable inside the sandbox through workdir/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
