import { equal, match } from "node:assert/strict";
import { runCli } from "../_cli.ts";
import { cliEnv, fixture } from "../policy/_helpers.ts";

Deno.test("airlock why --path answers allowed (exit 0) or denied (exit 1) with the rule", async () => {
  await using fx = await fixture();
  const env = cliEnv(fx);
  const cases: [string[], number, RegExp][] = [
    [
      ["--path", "/usr/bin/env"],
      0,
      /^allowed: read \/usr\/bin\/env\n {2}by profile default: filesystem\.read\[\d\] \(\/usr\/bin\)\n$/,
    ],
    [
      ["--path", "/etc/passwd", "--op", "write"],
      1,
      /^denied: write \/etc\/passwd\n {2}because no rule grants write to \/etc\/passwd; the closest rule, profile default: filesystem\.read\[11\]/,
    ],
    [["--path", "/etc/shadow"], 1, /because no rule grants read to \/etc\/shadow or beneath \/etc/],
    [["--path", "src/x.ts", "--op", "write"], 0, /by workdir \(/],
    [["--path", "/srv/data", "--read", "/usr"], 1, /denied/],
    [
      ["--path", "~/.ssh/id_ed25519"],
      1,
      /\.ssh is protected \(SSH keys\): grants reaching it are refused unless --bypass-protection /,
    ],
  ];
  for (const [args, code, pattern] of cases) {
    const r = await runCli(["why", ...args], { cwd: fx.work, env });
    equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
    match(r.stdout, pattern, args.join(" "));
  }
});

Deno.test("airlock why --port follows --net, --allow-port and --listen-port", async () => {
  await using fx = await fixture();
  const env = cliEnv(fx);
  const cases: [string[], number, RegExp][] = [
    [["--port", "443"], 1, /network mode proxy: only the proxy's port may be reached/],
    [["--port", "5432", "--allow-port", "5432"], 0, /by --allow-port/],
    [["--port", "3000", "--bind", "--listen-port", "3000"], 0, /^allowed: bind TCP port 3000/],
    [["--port", "443", "--net", "none"], 1, /because network mode none/],
    [["--port", "443", "--net", "open"], 0, /by network mode open/],
  ];
  for (const [args, code, pattern] of cases) {
    const r = await runCli(["why", ...args], { cwd: fx.work, env });
    equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
    match(r.stdout, pattern, args.join(" "));
  }
});

Deno.test("airlock why --json prints one object", async () => {
  await using fx = await fixture();
  const r = await runCli(["why", "--json", "-p", "codex", "--path", "/etc/hosts"], {
    cwd: fx.work,
    env: cliEnv(fx),
  });
  equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  equal(out.profile, "codex");
  equal(out.allowed, true);
  equal(out.question, "read /etc/hosts");
  equal(typeof out.rule.origin, "string");
});

Deno.test("airlock why rejects missing or conflicting questions with exit 2", async () => {
  await using fx = await fixture();
  const cases: [string[], RegExp][] = [
    [[], /give exactly one of --path, --port and --env/],
    [["--path", "/x", "--port", "1"], /give exactly one of --path, --port and --env/],
    [["--env", "--port", "1"], /give exactly one of --path, --port and --env/],
    [["--env", "1BAD"], /--env: a variable name uses letters/],
    [["--port", "0"], /--port: a port must be an integer from 1 to 65535/],
    [["--path", "/x", "--op", "exec"], /--op/],
  ];
  for (const [args, pattern] of cases) {
    const r = await runCli(["why", ...args], { cwd: fx.work, env: cliEnv(fx) });
    equal(r.code, 2, args.join(" "));
    match(r.stderr, pattern);
  }
});

Deno.test("airlock why exits 125 when the profile is refused", async () => {
  await using fx = await fixture();
  const r = await runCli(["why", "--path", "/usr", "--workdir", fx.home], {
    cwd: fx.work,
    env: cliEnv(fx),
  });
  equal(r.code, 125);
  match(r.stderr, /^airlock: Cannot grant ".*" \(workdir\): it contains the protected path/);
});
