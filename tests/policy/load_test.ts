import { deepEqual, equal, match, ok } from "node:assert/strict";
import { ProfileError } from "../../src/errors.ts";
import { loadProfile } from "../../src/policy/load.ts";
import { BUILTIN_PROFILES } from "../../src/policy/locate.ts";
import { fixture, thrown } from "./_helpers.ts";

Deno.test("loadProfile() merges extends base first, later profiles winning scalars", async () => {
  await using fx = await fixture();
  await fx.userProfile("base", {
    description: "base",
    network: { mode: "none", allow_ports: [80], allow_unix_sockets: true },
    filesystem: { read: ["/usr"] },
    env: { set: { A: "base", B: "base" } },
    credentials: { openai: "keyring:base" },
  });
  await fx.userProfile("mid", {
    extends: "base",
    network: { mode: "open", allow_ports: [443, 80] },
    filesystem: { read: ["/etc", "/usr"] },
    env: { set: { B: "mid" } },
  });
  await fx.userProfile("top", {
    description: "top",
    extends: ["mid"],
    network: { mode: "proxy" },
    filesystem: { allow: ["$WORKDIR"] },
    credentials: { openai: "env:OPENAI" },
  });
  const merged = await loadProfile("top", { env: fx.env, cwd: fx.work });
  deepEqual(merged.chain, ["base", "mid", "top"]);
  equal(merged.description, "top");
  equal(merged.network.mode, "proxy");
  equal(merged.network.allowUnixSockets, true);
  deepEqual(merged.network.allowPorts.map((p) => p.value), [80, 443]);
  deepEqual(merged.filesystem.read.map((e) => e.value.path), ["/usr", "/etc"]);
  equal(merged.filesystem.read[0]?.origin, "profile base: filesystem.read[0]");
  deepEqual(merged.env.set, { A: "base", B: "mid" });
  deepEqual(merged.credentials, { openai: "env:OPENAI" });
});

Deno.test("loadProfile() merges a profile reached twice only once (diamond)", async () => {
  await using fx = await fixture();
  await fx.userProfile("a", { extends: "default", filesystem: { read: ["/a"] } });
  await fx.userProfile("b", { extends: "default", filesystem: { read: ["/b"] } });
  await fx.userProfile("c", { extends: ["a", "b"] });
  const merged = await loadProfile("c", { env: fx.env, cwd: fx.work });
  deepEqual(merged.chain, ["default", "a", "b", "c"]);
});

Deno.test("loadProfile() loads paths, relative extends resolved from the file's directory", async () => {
  await using fx = await fixture();
  await fx.file("profiles/base.jsonc", '// base\n{ "filesystem": { "read": ["/opt"] }, }');
  const top = await fx.file("profiles/top.json", '{ "extends": "./base.jsonc" }');
  const merged = await loadProfile(top, { env: fx.env, cwd: "/" });
  deepEqual(merged.chain, [`${fx.root}/profiles/base.jsonc`, top]);
  equal(
    merged.filesystem.read[0]?.origin,
    `profile ${fx.root}/profiles/base.jsonc: filesystem.read[0]`,
  );
  const relative = await loadProfile("profiles/top.json", { env: fx.env, cwd: fx.root });
  equal(relative.name, top);
});

Deno.test("loadProfile() lets a user profile shadow a built-in and extend it by its own name", async () => {
  await using fx = await fixture();
  await fx.userProfile("default", {
    extends: "default",
    description: "mine",
    filesystem: { read: ["/srv"] },
  });
  const merged = await loadProfile("default", { env: fx.env, cwd: fx.work });
  deepEqual(merged.chain, ["default", "default"]);
  equal(merged.description, "mine");
  equal(merged.builtin, false);
  ok(merged.filesystem.read.some((e) => e.value.path === "/usr"));
  ok(merged.filesystem.read.some((e) => e.value.path === "/srv"));
});

Deno.test("loadProfile() finds .jsonc user profiles", async () => {
  await using fx = await fixture();
  await fx.file(
    `${fx.home}/.config/airlock/profiles/cc.jsonc`,
    '{ /* x */ "description": "jsonc" }',
  );
  equal((await loadProfile("cc", { env: fx.env, cwd: fx.work })).description, "jsonc");
});

Deno.test("loadProfile() fails with clear one-line errors", async () => {
  await using fx = await fixture();
  await fx.userProfile("loop-a", { extends: "loop-b" });
  await fx.userProfile("loop-b", { extends: "loop-a" });
  await fx.userProfile("self", { extends: "./self.json" });
  await fx.userProfile("broken", '{\n  "extends": "default",\n  oops\n}');
  await fx.userProfile("bad-parent", { extends: "broken" });
  await fx.userProfile("typo", { extends: "defualt" });
  const cases: [string, string[]][] = [
    ["loop-a", ['Cannot load profile "loop-a": extends forms a cycle: loop-a → loop-b → loop-a']],
    ["self", ["extends forms a cycle"]],
    ["broken", [`${fx.home}/.config/airlock/profiles/broken.json:3:3 is not valid JSONC`]],
    ["bad-parent", ['Cannot load profile "broken":', "broken.json:3:3"]],
    ["nope", [
      'Cannot load profile "nope": no built-in or user profile has that name: known profiles are ',
      BUILTIN_PROFILES.join(", "),
      "loop-a",
    ]],
    ["typo", ['Cannot load profile "defualt": no built-in or user profile has that name']],
    ["./missing.json", [
      `Cannot load profile "./missing.json": the file ${fx.work}/missing.json does not exist`,
    ]],
    ["bad name!", ["a profile name must use letters, digits"]],
  ];
  for (const [ref, parts] of cases) {
    const err = await thrown(() => loadProfile(ref, { env: fx.env, cwd: fx.work }));
    ok(err instanceof ProfileError, ref);
    for (const part of parts) ok(err.message.includes(part), `${ref}: ${err.message}`);
    equal(err.message.includes("\n"), false);
  }
  const unknown = await thrown(() => loadProfile("nope", { env: fx.env, cwd: fx.work }));
  match((unknown as ProfileError).hint ?? "", /airlock\/profiles\/nope\.json/);
});
