import { equal, match } from "node:assert/strict";
import { runCli } from "../_cli.ts";

Deno.test("airlock doctor reports Landlock, seccomp and every profile, exit 0 here", async () => {
  const r = await runCli(["doctor"]);
  equal(r.code, 0, r.stderr);
  match(r.stdout, /^ok\s+landlock\s+ABI \d+ on Linux/m);
  match(r.stdout, /^ok\s+seccomp\s/m);
  match(r.stdout, /^\w+\s+keystore\s/m);
  for (const name of ["default", "claude-code", "codex", "gemini-cli", "opencode", "aider"]) {
    match(r.stdout, new RegExp(`^ok\\s+profile ${name}\\s+enforceable`, "m"));
  }
});

Deno.test("airlock doctor --json is one object with ok and checks", async () => {
  const r = await runCli(["doctor", "--json"]);
  equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  equal(report.ok, true);
  equal(report.checks[0].name, "landlock");
  equal(report.checks[0].ok, true);
});

Deno.test("airlock doctor exits 1 when Landlock is missing (pretend ABI 0)", async () => {
  const r = await runCli(["doctor"], { env: { AIRLOCK_TEST_PRETEND_ABI: "0" } });
  equal(r.code, 1);
  match(r.stdout, /^FAIL\s+landlock\s+not available/m);
  match(r.stdout, /cannot confine commands here/);
});

Deno.test("airlock doctor exits 1 when the default profile needs a missing feature (pretend ABI 3)", async () => {
  const r = await runCli(["doctor"], { env: { AIRLOCK_TEST_PRETEND_ABI: "3" } });
  equal(r.code, 1);
  match(r.stdout, /^FAIL\s+profile default\s+.*net\.tcp \(Landlock ABI 4 needed\)/m);
});

Deno.test({
  name: "airlock doctor reports the keyring reachable inside the test keyring session",
  ignore: !Deno.env.get("AIRLOCK_TEST_KEYRING"),
  async fn() {
    const r = await runCli(["doctor"]);
    match(r.stdout, /^ok\s+keystore\s+secret-service: .*unlocked/m);
  },
});

Deno.test("airlock doctor warns, without failing, when no session bus is reachable", async () => {
  const r = await runCli(["doctor"], {
    env: { DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus", DISPLAY: "" },
  });
  equal(r.code, 0);
  match(r.stdout, /^warn\s+keystore\s+.*no D-Bus session bus/m);
});

Deno.test("airlock doctor tries each namespace and a confined launch for real", async () => {
  const r = await runCli(["doctor", "--json"]);
  equal(r.code, 0, r.stderr);
  const checks = JSON.parse(r.stdout).checks as { name: string; ok: boolean }[];
  for (
    const name of [
      "user namespace",
      "mount namespace",
      "PID namespace",
      "network namespace",
      "IPC namespace",
      "namespace layer",
      "launch",
    ]
  ) {
    equal(checks.find((c) => c.name === name)?.ok, true, name);
  }
});

Deno.test("airlock doctor fails when the namespace layer is missing, naming the fix", async () => {
  const r = await runCli(["doctor"], { env: { AIRLOCK_TEST_NO_NAMESPACES: "1" } });
  equal(r.code, 1);
  match(r.stdout, /^FAIL\s+namespace layer\s+AIRLOCK_TEST_NO_NAMESPACES=1 is set/m);
  match(r.stdout, /^FAIL\s+launch\s+.*namespace layer is missing/m);
  match(r.stdout, /^FAIL\s+profile default\s+.*namespace layer is missing/m);
});
