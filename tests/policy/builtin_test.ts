import { deepEqual, equal, ok } from "node:assert/strict";
import { parse } from "jsonc-parser";
import { loadProfile } from "../../src/policy/load.ts";
import { profileFromSource } from "../../src/policy/from_source.ts";
import { BUILTIN_PROFILES, builtinUrl, findProfile } from "../../src/policy/locate.ts";
import { resolvePolicy } from "../../src/policy/mod.ts";
import { PROFILE_KEYS } from "../../src/policy/validate.ts";
import { profileToJson } from "../../src/policy/to_json.ts";
import { validateProfile } from "../../src/policy/validate.ts";
import { fixture } from "./_helpers.ts";

const AGENTS = ["claude-code", "codex", "gemini-cli", "opencode", "aider"];

Deno.test("BUILTIN_PROFILES lists exactly the profiles in policies/", async () => {
  const files: string[] = [];
  for await (const e of Deno.readDir(builtinUrl(""))) {
    if (e.name.endsWith(".json") && e.name !== "schema.json") files.push(e.name.slice(0, -5));
  }
  deepEqual([...files].sort(), [...BUILTIN_PROFILES].sort());
});

Deno.test("every built-in profile resolves on this machine", async () => {
  const dir = await Deno.makeTempDir({ prefix: "airlock-builtin-" });
  try {
    for (const name of BUILTIN_PROFILES) {
      const policy = await resolvePolicy({
        profile: name,
        allow: [],
        read: [],
        write: [],
        noWorkdir: false,
        allowPorts: [],
        listenPorts: [],
        allowUnixSockets: false,
        allowDomains: [],
        credentials: [],
        bypassProtection: [],
        resolve: [],
        upstreamCa: [],
        bestEffort: false,
        createDirs: false,
        cwd: dir,
        env: Deno.env.toObject(),
      });
      equal(policy.profileChain[0], "default", name);
      equal(policy.network.mode, "proxy", name);
      deepEqual(policy.credentials, {}, name);
      ok(policy.paths.some((r) => r.path === "/usr"), name);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("built-in agent profiles resolve with an empty home, creating their state dirs", async () => {
  const created: Record<string, string[]> = {
    "claude-code": [".claude", ".npm"],
    codex: [".codex", ".npm"],
    "gemini-cli": [".gemini", ".npm"],
    opencode: [
      ".config/opencode",
      ".local/share/opencode",
      ".cache/opencode",
      ".local/state/opencode",
      ".npm",
    ],
    aider: [".aider", ".npm"],
  };
  for (const name of AGENTS) {
    await using fx = await fixture();
    const dry = await resolvePolicy(fx.request({ profile: name, createDirs: false }));
    for (const rel of created[name] ?? []) {
      ok(dry.paths.some((r) => r.path === `${fx.home}/${rel}`), `${name}: ${rel} listed`);
      equal(
        await Deno.stat(`${fx.home}/${rel}`).catch(() => null),
        null,
        `${name}: ${rel} not created`,
      );
    }
    const policy = await resolvePolicy(fx.request({ profile: name }));
    const inHome = policy.paths.filter((r) => r.path.startsWith(fx.home)).map((r) => r.path);
    deepEqual(inHome.sort(), (created[name] ?? []).map((rel) => `${fx.home}/${rel}`).sort(), name);
    for (const path of inHome) equal((await Deno.stat(path)).mode! & 0o777, 0o700, path);
  }
});

Deno.test("built-in agent profiles extend agent-base and allow their API and git hosts", async () => {
  const api: Record<string, string> = {
    "claude-code": "api.anthropic.com",
    codex: "api.openai.com",
    "gemini-cli": "generativelanguage.googleapis.com",
    opencode: "models.dev",
    aider: "api.openai.com",
  };
  for (const name of AGENTS) {
    const merged = await loadProfile(name, { env: { HOME: "/nonexistent" }, cwd: "/" });
    deepEqual(merged.chain, ["default", "agent-base", name]);
    const domains = merged.network.allowDomains.map((d) => d.value);
    for (
      const d of [
        api[name] ?? "",
        "registry.npmjs.org",
        "pypi.org",
        "github.com",
        "*.githubusercontent.com",
      ]
    ) {
      ok(domains.includes(d), `${name}: ${d}`);
    }
    ok(merged.description.length > 0, name);
  }
});

Deno.test("built-in profiles mark every path under $HOME or $XDG_* optional or created", async () => {
  for (const name of BUILTIN_PROFILES) {
    const doc = profileFromSource(
      await findProfile(name, { env: {}, baseDir: "/", builtinOnly: true }),
    );
    const all = [...doc.filesystem.read, ...doc.filesystem.write, ...doc.filesystem.allow];
    for (const e of all) {
      if (/^(~|\$HOME|\$XDG_)/.test(e.value.path)) {
        ok(e.value.optional || e.value.create, `${name}: ${e.value.path}`);
      }
    }
  }
});

Deno.test("policies/schema.json names the same keys as the validator", async () => {
  const schema = parse(await Deno.readTextFile(builtinUrl("schema.json")));
  const keys = (obj: { properties: Record<string, unknown> }) => Object.keys(obj.properties).sort();
  deepEqual(keys(schema), [...PROFILE_KEYS[""]].sort());
  deepEqual(keys(schema.properties.filesystem), [...PROFILE_KEYS.filesystem].sort());
  deepEqual(keys(schema.properties.network), [...PROFILE_KEYS.network].sort());
  deepEqual(keys(schema.properties.env), [...PROFILE_KEYS.env].sort());
  deepEqual(keys(schema.$defs.route), [...PROFILE_KEYS.route].sort());
  deepEqual(keys(schema.properties.rollback.oneOf[1]), [...PROFILE_KEYS.rollback].sort());
  deepEqual(
    keys(schema.$defs.pathList.items.oneOf[1]),
    [...PROFILE_KEYS["filesystem entry"]].sort(),
  );
});

Deno.test("profileToJson() renders a merged profile that validates again", async () => {
  for (const name of BUILTIN_PROFILES) {
    const merged = await loadProfile(name, { env: { HOME: "/nonexistent" }, cwd: "/" });
    const again = validateProfile(profileToJson(merged), { name, file: "x.json", builtin: false });
    equal(again.filesystem.read.length, merged.filesystem.read.length, name);
    deepEqual(
      again.network.allowDomains.map((d) => d.value),
      merged.network.allowDomains.map((d) => d.value),
    );
  }
});

Deno.test("built-in profiles are strict JSON that parses the same through the JSONC parser", async () => {
  for (const name of BUILTIN_PROFILES) {
    const source = await findProfile(name, { env: {}, baseDir: "/", builtinOnly: true });
    const fast = validateProfile(JSON.parse(source.text), {
      name: source.name,
      file: source.file,
      builtin: true,
    });
    deepEqual(fast, profileFromSource(source), name);
  }
});
