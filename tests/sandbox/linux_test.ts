import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { SandboxUnavailableError } from "../../src/errors.ts";
import { decideEnforcement, LinuxSandbox } from "../../src/sandbox/linux.ts";
import { makePolicy } from "./_helpers.ts";

const linuxOnly = { ignore: Deno.build.os !== "linux" };

Deno.test("decideEnforcement() fails closed naming net.tcp, its ABI and the kernel's", () => {
  const policy = makePolicy({ workdir: "/w", net: "none" });
  throws(() => decideEnforcement(policy, 3, true), (err: unknown) => {
    ok(err instanceof SandboxUnavailableError);
    ok(err.message.includes("net.tcp (Landlock ABI 4 needed)"), err.message);
    ok(err.message.endsWith("current ABI is 3"), err.message);
    ok(err.hint?.includes("--best-effort"));
    assertEquals(err.exitCode, 125);
    return true;
  });
});

Deno.test("decideEnforcement() fails closed without seccomp", () => {
  const policy = makePolicy({ workdir: "/w", net: "open" });
  throws(() => decideEnforcement(policy, 7, false), /seccomp/);
});

Deno.test("decideEnforcement() under best effort reports what it drops", () => {
  const policy = makePolicy({ workdir: "/w", net: "none", bestEffort: true });
  const report = decideEnforcement(policy, 3, true);
  assertEquals(report.dropped, ["net.tcp", "scope.signal", "scope.abstract_unix"]);
  ok(report.enforced.includes("fs") && report.enforced.includes("seccomp"));
  ok(!report.enforced.includes("net.tcp"));
});

Deno.test("decideEnforcement() on a full kernel drops nothing", () => {
  const report = decideEnforcement(makePolicy({ workdir: "/w" }), 7, true);
  assertEquals(report.dropped, []);
  assertEquals(report.enforced.sort(), [
    "fs",
    "fs.ioctl_dev",
    "fs.refer",
    "fs.truncate",
    "namespaces",
    "net.tcp",
    "scope.abstract_unix",
    "scope.signal",
    "seccomp",
  ]);
});

Deno.test("decideEnforcement() fails closed without the namespace layer, naming the cause and fix", () => {
  const ns = {
    available: false as const,
    reason: "user namespaces are disabled",
    hint: "sysctl x=1",
  };
  throws(() => decideEnforcement(makePolicy({ workdir: "/w" }), 7, true, ns), (err: unknown) => {
    ok(
      err instanceof Error &&
        /namespace layer is missing: user namespaces are disabled/.test(err.message),
    );
    ok(/sysctl x=1, or pass --best-effort/.test((err as { hint?: string }).hint ?? ""));
    return true;
  });
  const report = decideEnforcement(makePolicy({ workdir: "/w", bestEffort: true }), 7, true, ns);
  assertEquals(report.dropped, ["namespaces"]);
});

Deno.test("LinuxSandbox.capabilities() reports the kernel's Landlock ABI", linuxOnly, () => {
  const caps = new LinuxSandbox().capabilities();
  assertEquals(caps.mechanism, "landlock");
  ok(caps.abi >= 1 && caps.available && caps.seccomp, JSON.stringify(caps));
  ok(caps.kernel.startsWith("Linux "));
  assertEquals(caps.features["fs"], true);
});

Deno.test(
  "LinuxSandbox.plan() resolves argv[0] and keeps the plan out of the command's env",
  linuxOnly,
  () => {
    const policy = makePolicy({ workdir: "/tmp" });
    const plan = new LinuxSandbox().plan(policy, { argv: ["true"], proxyPort: 4000 });
    ok(plan.file === "/usr/bin/true" || plan.file === "/bin/true", plan.file);
    assertEquals(plan.argv, ["true"]);
    assertEquals(plan.parentPid, Deno.pid);
    ok(!plan.envp.some((e) => e.startsWith("AIRLOCK_SANDBOX_PLAN=")));
    ok(plan.landlock!.ports.some((p) => p.port === 4000));
  },
);

Deno.test(
  "main.ts __sandbox-exec (the compiled binary's path) confines and execs a plan",
  linuxOnly,
  async () => {
    const dir = await Deno.makeTempDir({ dir: "/var/tmp" });
    try {
      await Deno.writeTextFile(`${dir}/secret`, "x");
      const policy = makePolicy({ workdir: "/tmp" });
      const plan = new LinuxSandbox().plan(policy, { argv: ["cat", `${dir}/secret`] });
      const main = new URL("../../main.ts", import.meta.url).pathname;
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--no-config", main, "__sandbox-exec"],
        env: { AIRLOCK_SANDBOX_PLAN: JSON.stringify(plan) },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assertEquals(out.code, 1);
      ok(new TextDecoder().decode(out.stderr).includes("Permission denied"));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
