import { deepEqual, equal, ok } from "node:assert/strict";
import { EXIT_AIRLOCK_FAILED, EXIT_USAGE, ProfileError, UsageError } from "../../src/errors.ts";
import { resolvePolicy } from "../../src/policy/mod.ts";
import { fixture, thrown } from "./_helpers.ts";

Deno.test("resolvePolicy() grants the workdir read+write, first, and runs there", async () => {
  await using fx = await fixture();
  const policy = await resolvePolicy(fx.request());
  deepEqual(policy.paths[0], { path: fx.work, access: ["read", "write"], origin: "workdir" });
  equal(policy.workdir, fx.work);
  equal(policy.cwd, fx.work);
  deepEqual(policy.profileChain, ["default"]);
  equal(policy.network.mode, "proxy");
  ok(
    policy.paths.some((r) =>
      r.path === fx.tmp && r.origin === "profile default: filesystem.allow[7]"
    ),
  );
});

Deno.test("resolvePolicy() honours --workdir and --no-workdir", async () => {
  await using fx = await fixture();
  await Deno.mkdir(`${fx.root}/proj`);
  const other = await resolvePolicy(fx.request({ workdir: "../proj" }));
  equal(other.workdir, `${fx.root}/proj`);
  equal(other.cwd, `${fx.root}/proj`);
  const none = await resolvePolicy(fx.request({ noWorkdir: true }));
  equal(none.workdir, null);
  equal(none.cwd, fx.work);
  ok(!none.paths.some((r) => r.origin === "workdir"));
});

Deno.test("resolvePolicy() expands $WORKDIR and skips missing optional paths", async () => {
  await using fx = await fixture();
  await fx.file(`${fx.home}/.tool/config`, "x");
  await Deno.mkdir(`${fx.root}/out`);
  await fx.userProfile("dev", {
    extends: "default",
    filesystem: {
      read: [{ path: "~/.tool", optional: true }, { path: "~/.absent", optional: true }],
      write: ["$WORKDIR/../out"],
    },
  });
  const policy = await resolvePolicy(fx.request({ profile: "dev" }));
  ok(
    policy.paths.some((r) =>
      r.path === `${fx.home}/.tool` && r.origin === "profile dev: filesystem.read[0]"
    ),
  );
  ok(!policy.paths.some((r) => r.path.endsWith(".absent")));
  ok(policy.paths.some((r) => r.path === `${fx.root}/out` && r.access.join() === "write"));
});

Deno.test("resolvePolicy() resolves symlinked grants to their real path", async () => {
  await using fx = await fixture();
  await Deno.mkdir(`${fx.root}/real`);
  await Deno.symlink(`${fx.root}/real`, `${fx.root}/link`);
  const policy = await resolvePolicy(fx.request({ read: [`${fx.root}/link`] }));
  deepEqual(policy.paths.at(-1), { path: `${fx.root}/real`, access: ["read"], origin: "--read" });
});

Deno.test("resolvePolicy() merges flags into the policy", async () => {
  await using fx = await fixture();
  const ca = await fx.file("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  await Deno.mkdir(`${fx.root}/data`);
  const policy = await resolvePolicy(fx.request({
    allow: ["../data"],
    write: [fx.tmp],
    net: "proxy",
    allowPorts: [5432],
    listenPorts: [3000],
    allowUnixSockets: true,
    allowDomains: ["API.Example.com."],
    credentials: ["anthropic", "openai=env:MY_KEY"],
    resolve: ["api.example.com:443:10.0.0.5"],
    upstreamCa: [ca],
    bestEffort: true,
  }));
  ok(policy.paths.some((r) => r.path === `${fx.root}/data` && r.origin === "--allow"));
  ok(policy.paths.some((r) => r.path === fx.tmp && r.origin === "--write"));
  equal(policy.network.mode, "proxy");
  deepEqual(policy.network.connectPorts, [5432]);
  deepEqual(policy.network.bindPorts, [3000]);
  deepEqual(policy.network.allowDomains, ["api.example.com"]);
  equal(policy.network.origins?.["domain:api.example.com"], "--allow-domain");
  equal(policy.network.origins?.["connect:5432"], "--allow-port");
  equal(policy.network.allowUnixSockets, true);
  deepEqual(policy.network.resolve, ["api.example.com:443:10.0.0.5"]);
  deepEqual(policy.network.upstreamCaFiles, [ca]);
  deepEqual(policy.credentials, { anthropic: "keyring:anthropic", openai: "env:MY_KEY" });
  equal(policy.bestEffort, true);
});

Deno.test("resolvePolicy() filters the environment and applies env.set with variables", async () => {
  await using fx = await fixture();
  await fx.userProfile("envy", {
    extends: "default",
    env: {
      allow: ["CI_JOB_TOKEN"],
      deny: ["EDITOR"],
      set: { TOOL_HOME: "$HOME/.tool", PLAIN: "a $b" },
    },
  });
  const policy = await resolvePolicy(fx.request({
    profile: "envy",
    env: {
      ...fx.env,
      OPENAI_API_KEY: "sk-secret",
      CI_JOB_TOKEN: "kept",
      EDITOR: "vi",
      HTTPS_PROXY: "http://corp:3128",
      AIRLOCK_INTERNAL: "1",
    },
  }));
  deepEqual(policy.env.removed, ["AIRLOCK_INTERNAL", "EDITOR", "HTTPS_PROXY", "OPENAI_API_KEY"]);
  deepEqual(policy.env.set, ["PLAIN", "TOOL_HOME"]);
  equal(policy.env.vars.CI_JOB_TOKEN, "kept");
  equal(policy.env.vars.TOOL_HOME, `${fx.home}/.tool`);
  equal(policy.env.vars.PLAIN, "a $b");
  equal(policy.env.vars.PATH, "/usr/bin:/bin");
  ok(!JSON.stringify(policy).includes("sk-secret"));
});

Deno.test("resolvePolicy() refuses grants reaching protected paths unless bypassed", async () => {
  await using fx = await fixture();
  await Deno.mkdir(`${fx.home}/.ssh`);
  await Deno.mkdir(`${fx.home}/proj`);
  const cases: [string, Partial<Parameters<typeof fx.request>[0]>, string[]][] = [
    ["home as workdir", { workdir: fx.home }, [
      `Cannot grant "${fx.home}" (workdir): it contains the protected path "${fx.home}/.ssh" (SSH keys)`,
    ]],
    ["missing protected path counts too", {
      read: [`${fx.home}/proj`, fx.home],
      bypassProtection: [`${fx.home}/.ssh`],
    }, [
      `Cannot grant "${fx.home}" (--read): it contains the protected path "${fx.home}/.gnupg" (GnuPG keys)`,
    ]],
    ["grant inside", { read: [`${fx.home}/.ssh`] }, [
      `(--read): it is the protected path "${fx.home}/.ssh"`,
    ]],
    ["parent of home", { allow: [fx.root] }, [`Cannot grant "${fx.root}" (--allow): it contains`]],
  ];
  for (const [label, over, parts] of cases) {
    const err = await thrown(() => resolvePolicy(fx.request(over)));
    ok(err instanceof ProfileError, label);
    equal((err as ProfileError).exitCode, EXIT_AIRLOCK_FAILED);
    for (const part of parts) ok(err.message.includes(part), `${label}: ${err.message}`);
    ok(((err as ProfileError).hint ?? "").includes("--bypass-protection "), label);
  }
  const inside = await fx.file(`${fx.home}/.ssh/config`, "Host x");
  const err = await thrown(() => resolvePolicy(fx.request({ read: [inside] })));
  ok(err.message.includes("lies inside the protected path"), err.message);
  const ok1 = await resolvePolicy(
    fx.request({ read: [inside], bypassProtection: [`${fx.home}/.ssh`] }),
  );
  ok(ok1.paths.some((r) => r.path === inside));
  deepEqual(ok1.bypassProtection, [`${fx.home}/.ssh`]);
  const all = await resolvePolicy(fx.request({ workdir: fx.home, bypassProtection: [fx.home] }));
  equal(all.workdir, fx.home);
});

Deno.test("resolvePolicy() refuses a protected path reached through a symlink", async () => {
  await using fx = await fixture();
  await Deno.mkdir(`${fx.root}/keys`);
  await Deno.symlink(`${fx.root}/keys`, `${fx.home}/.ssh`);
  const err = await thrown(() => resolvePolicy(fx.request({ read: [`${fx.root}/keys`] })));
  ok(err instanceof ProfileError);
  ok(err.message.includes(`protected path "${fx.home}/.ssh"`), err.message);
});

Deno.test("resolvePolicy() honours a profile's bypass_protection", async () => {
  await using fx = await fixture();
  await Deno.mkdir(`${fx.home}/.config/gh`, { recursive: true });
  await fx.userProfile("gh", {
    extends: "default",
    filesystem: { read: ["$XDG_CONFIG_HOME/gh"] },
    bypass_protection: ["~/.config/gh"],
  });
  const policy = await resolvePolicy(fx.request({ profile: "gh" }));
  ok(policy.paths.some((r) => r.path === `${fx.home}/.config/gh`));
});

Deno.test("resolvePolicy() reports bad profiles and flags with the right error class", async () => {
  await using fx = await fixture();
  await fx.userProfile("missing", { extends: "default", filesystem: { read: ["/usr", "~/nope"] } });
  await fx.userProfile("protected", { filesystem: { allow: ["~"] } });
  const cases: [
    string,
    Partial<Parameters<typeof fx.request>[0]>,
    typeof ProfileError | typeof UsageError,
    string,
  ][] = [
    [
      "missing profile path",
      { profile: "missing" },
      ProfileError,
      `Cannot load profile "missing": filesystem.read[1] does not exist: current value is "~/nope" (${fx.home}/nope)`,
    ],
    [
      "protected in profile",
      { profile: "protected" },
      ProfileError,
      `Cannot grant "${fx.home}" (profile protected: filesystem.allow[0]): it contains the protected path`,
    ],
    [
      "missing flag path",
      { read: ["/definitely/not/here"] },
      UsageError,
      'Cannot grant --read "/definitely/not/here": the path does not exist',
    ],
    [
      "missing workdir",
      { workdir: "nowhere" },
      UsageError,
      'Cannot use --workdir "nowhere": it is not a directory',
    ],
    [
      "bad credential name",
      { credentials: ["bad name"] },
      UsageError,
      "Cannot parse --credential: the name must use",
    ],
    [
      "bad credential ref",
      { credentials: ["x=sk-secret-value"] },
      UsageError,
      "Cannot parse --credential x: the reference must be SCHEME:VALUE: the value is not shown",
    ],
    [
      "bad domain flag",
      { allowDomains: ["exa mple.com"] },
      UsageError,
      "Cannot parse --allow-domain: it must be a lower-case host name",
    ],
    [
      "bad resolve",
      { resolve: ["example.com:443"] },
      UsageError,
      'Cannot parse --resolve: it must be HOST:PORT:ADDR: current value is "example.com:443"',
    ],
    ["missing CA", { upstreamCa: ["nope.pem"] }, UsageError, "Cannot use --upstream-ca"],
    ["unknown profile", { profile: "zzz" }, ProfileError, "known profiles are default, agent-base"],
  ];
  for (const [label, over, cls, part] of cases) {
    const err = await thrown(() => resolvePolicy(fx.request(over)));
    ok(err instanceof cls, `${label}: ${err.name}`);
    equal(
      (err as UsageError).exitCode,
      cls === UsageError ? EXIT_USAGE : EXIT_AIRLOCK_FAILED,
      label,
    );
    ok(err.message.includes(part), `${label}: ${err.message}`);
    equal(err.message.includes("\n"), false, label);
    equal(err.message.includes("sk-secret"), false, label);
  }
});

Deno.test("resolvePolicy() creates missing create:true directories, never protected ones", async () => {
  await using fx = await fixture();
  await fx.userProfile("state", {
    extends: "default",
    filesystem: { allow: [{ path: "$XDG_STATE_HOME/tool/db", create: true }] },
  });
  await fx.userProfile("sneaky", {
    extends: "default",
    filesystem: { allow: [{ path: "~/.ssh/agent", create: true }] },
  });
  const policy = await resolvePolicy(fx.request({ profile: "state" }));
  const dir = `${fx.home}/.local/state/tool/db`;
  ok(policy.paths.some((r) => r.path === dir && r.origin === "profile state: filesystem.allow[0]"));
  equal((await Deno.stat(dir)).isDirectory, true);
  const err = await thrown(() => resolvePolicy(fx.request({ profile: "sneaky" })));
  ok(err instanceof ProfileError);
  ok(err.message.includes(`it lies inside the protected path "${fx.home}/.ssh"`), err.message);
  equal(await Deno.stat(`${fx.home}/.ssh`).catch(() => null), null);
});

Deno.test("resolvePolicy() gives network mode none no ports at all", async () => {
  await using fx = await fixture();
  await fx.userProfile("db", {
    extends: "default",
    network: { allow_ports: [5432], listen_ports: [3000] },
  });
  const open = await resolvePolicy(fx.request({ profile: "db" }));
  deepEqual(open.network.connectPorts, [5432]);
  const none = await resolvePolicy(fx.request({ profile: "db", net: "none" }));
  equal(none.network.mode, "none");
  deepEqual(none.network.connectPorts, []);
  deepEqual(none.network.bindPorts, []);
  const err = await thrown(() => resolvePolicy(fx.request({ net: "none", listenPorts: [8080] })));
  ok(err instanceof UsageError);
  equal(err.message, "Cannot combine --listen-port with network mode none: none allows no TCP");
});
