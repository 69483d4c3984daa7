import { deepEqual, equal, match, ok } from "node:assert/strict";
import { ProfileError } from "../../src/errors.ts";
import { validateProfile } from "../../src/policy/validate.ts";
import { thrown } from "./_helpers.ts";

const META = { name: "dev", file: "/p/dev.json", builtin: false };

Deno.test("validateProfile() types a full profile and records origins", () => {
  const doc = validateProfile({
    $schema: "./schema.json",
    description: "dev box",
    extends: ["default", "./more.json"],
    filesystem: {
      read: ["/usr", { path: "~/.gitconfig", optional: true }],
      write: ["$TMPDIR/out"],
      allow: [{ path: "$WORKDIR" }],
    },
    network: {
      mode: "proxy",
      allow_ports: [5432],
      listen_ports: [3000],
      allow_domains: ["api.example.com", "*.example.org"],
      allow_ranges: ["10.0.0.0/8", "fd00::/8"],
      allow_unix_sockets: true,
    },
    env: { allow: ["MY_TOKEN"], deny: ["SECRETISH*"], set: { EDITOR: "vi" } },
    credentials: { anthropic: "keyring:anthropic", openai: "env:OPENAI_KEY" },
    routes: {
      internal: {
        upstream: "https://llm.internal.example/v1",
        inject: { header: "X-Api-Key" },
        env: { INTERNAL_BASE_URL: "{base_url}" },
        token_prefix: "sk-",
      },
    },
    bypass_protection: ["~/.config/gh"],
  }, META);
  deepEqual(doc.extends, ["default", "./more.json"]);
  deepEqual(doc.filesystem.read[1], {
    value: { path: "~/.gitconfig", optional: true, create: false },
    origin: "profile dev: filesystem.read[1]",
  });
  equal(doc.filesystem.allow[0]?.value.optional, false);
  equal(doc.network.mode, "proxy");
  deepEqual(doc.network.allowPorts.map((p) => p.value), [5432]);
  equal(doc.network.allowDomains[1]?.origin, "profile dev: network.allow_domains[1]");
  equal(doc.network.allowUnixSockets, true);
  deepEqual(doc.env.set, { EDITOR: "vi" });
  deepEqual(doc.routes.internal?.token, { header: "authorization", format: "Bearer {}" });
  deepEqual(doc.routes.internal?.inject, { header: "x-api-key" });
  equal(doc.routes.internal?.tokenPrefix, "sk-");
  equal(doc.bypassProtection[0]?.value, "~/.config/gh");
});

Deno.test("validateProfile() fills defaults for an empty profile", () => {
  const doc = validateProfile({}, META);
  equal(doc.description, "");
  deepEqual(doc.extends, []);
  equal(doc.network.mode, undefined);
  deepEqual(doc.filesystem.read, []);
  deepEqual(doc.credentials, {});
});

Deno.test("validateProfile() rejects bad keys and values with one-line messages", async () => {
  const cases: [string, unknown, string][] = [
    ["unknown top-level key", { filesytem: {} }, 'unknown key "filesytem": known keys are $schema'],
    [
      "unknown nested key",
      { filesystem: { rad: [] } },
      'unknown key "filesystem.rad": known keys in filesystem are read, write, allow',
    ],
    [
      "unknown entry key",
      { filesystem: { read: [{ path: "/x", opt: true }] } },
      'unknown key "filesystem.read[0].opt"',
    ],
    [
      "relative path",
      { filesystem: { write: ["/a", "/b", "tmp"] } },
      'filesystem.write[2] must be an absolute path: current value is "tmp"',
    ],
    [
      "unknown variable",
      { filesystem: { read: ["$FOO/x"] } },
      'filesystem.read[0] uses the unknown variable "$FOO": current value is "$FOO/x"',
    ],
    [
      "variable not at a boundary",
      { filesystem: { read: ["$HOMEx"] } },
      'uses the unknown variable "$HOMEx"',
    ],
    ["non-string path", { filesystem: { read: [42] } }, "filesystem.read[0] must be a path or"],
    [
      "optional not boolean",
      { filesystem: { read: [{ path: "/x", optional: "yes" }] } },
      "filesystem.read[0].optional must be true or false",
    ],
    [
      "filesystem not object",
      { filesystem: [] },
      "filesystem must be an object: current value is []",
    ],
    [
      "read not array",
      { filesystem: { read: "/usr" } },
      'filesystem.read must be an array: current value is "/usr"',
    ],
    [
      "bad mode",
      { network: { mode: "wide" } },
      'network.mode must be one of proxy, none, open: current value is "wide"',
    ],
    [
      "port too large",
      { network: { allow_ports: [443, 70000] } },
      "network.allow_ports[1] must be an integer from 1 to 65535: current value is 70000",
    ],
    [
      "port zero",
      { network: { listen_ports: [0] } },
      "network.listen_ports[0] must be an integer from 1 to 65535: current value is 0",
    ],
    [
      "port as string",
      { network: { allow_ports: ["443"] } },
      'network.allow_ports[0] must be an integer from 1 to 65535: current value is "443"',
    ],
    [
      "bad domain",
      { network: { allow_domains: ["https://x.com"] } },
      "network.allow_domains[0] must be a lower-case host name or *.suffix",
    ],
    [
      "bad range",
      { network: { allow_ranges: ["10.0.0.0"] } },
      "network.allow_ranges[0] must be a CIDR range",
    ],
    [
      "range prefix",
      { network: { allow_ranges: ["10.0.0.0/40"] } },
      "must have a prefix length from 0 to 32",
    ],
    [
      "unix sockets type",
      { network: { allow_unix_sockets: 1 } },
      "network.allow_unix_sockets must be true or false",
    ],
    [
      "env glob",
      { env: { allow: ["A-B"] } },
      'env.allow[0] must be a variable name or glob: current value is "A-B"',
    ],
    ["env set value", { env: { set: { A: 1 } } }, "env.set.A must be a string: current value is 1"],
    [
      "credential scheme",
      { credentials: { openai: "vault:x" } },
      "credentials.openai must use one of the schemes keyring, env, file, cmd: the value is not shown",
    ],
    [
      "credential shape",
      { credentials: { openai: "sk-abc" } },
      "credentials.openai must be SCHEME:VALUE: the value is not shown as it may be a secret",
    ],
    [
      "route upstream",
      { routes: { x: { upstream: "http://x", inject: { header: "a" } } } },
      "routes.x.upstream must be an https:// URL",
    ],
    [
      "route inject",
      { routes: { x: { upstream: "https://x" } } },
      "routes.x.inject must be an object: current value is missing",
    ],
    ["route format", {
      routes: { x: { upstream: "https://x", inject: { header: "a", format: "Bearer" } } },
    }, 'routes.x.inject.format must be a string containing "{}"'],
    ["route both", {
      routes: { x: { upstream: "https://x", inject: { header: "a", query: "k" } } },
    }, 'routes.x.inject must have either "header"'],
    ["route basic kind", {
      routes: { x: { upstream: "https://x", inject: { basic: "user" } } },
    }, 'routes.x.inject.basic must be "password"'],
    ["route basic mixed", {
      routes: { x: { upstream: "https://x", inject: { basic: "password", header: "a" } } },
    }, 'routes.x.inject must have one of "header", "query" or "basic"'],
    ["route basic user", {
      routes: { x: { upstream: "https://x", inject: { basic: "password", user: "a:b" } } },
    }, "routes.x.inject.user must be a string without a colon"],
    ["route user alone", {
      routes: { x: { upstream: "https://x", inject: { header: "a", user: "u" } } },
    }, 'routes.x.inject.user is only allowed with "basic"'],
    ["extends type", { extends: 3 }, "extends must be an array: current value is 3"],
    ["description type", { description: ["x"] }, "description must be a string"],
    ["not an object", [1], "the profile must be an object: current value is [1]"],
    [
      "bypass relative",
      { bypass_protection: [".ssh"] },
      "bypass_protection[0] must be an absolute path",
    ],
  ];
  const secret = await thrown(() =>
    validateProfile({ credentials: { openai: "sk-proj-abcdef123456" } }, META)
  );
  equal(secret.message.includes("sk-proj"), false);
  for (const [label, raw, expected] of cases) {
    const err = await thrown(() => validateProfile(raw, META));
    ok(err instanceof ProfileError, label);
    match(err.message, /^Cannot load profile "dev": /, label);
    ok(err.message.includes(expected), `${label}: ${err.message}`);
    equal(err.message.includes("\n"), false, label);
  }
});

Deno.test("validateProfile() checks rollback and guard", async (t) => {
  const { validateProfile } = await import("../../src/policy/validate.ts");
  const meta = { name: "p", file: "p.json", builtin: false };
  await t.step("true, false and the object form", () => {
    const on = validateProfile({ rollback: true }, meta);
    if (on.rollback?.enabled !== true) throw new Error("rollback: true");
    const obj = validateProfile({
      rollback: { exclude: ["data/"], max_files: 10, max_bytes: "1MiB" },
      guard: ["Makefile"],
    }, meta);
    if (obj.rollback?.maxBytes !== 1024 * 1024 || obj.guard?.[0] !== "Makefile") {
      throw new Error(JSON.stringify(obj.rollback));
    }
  });
  const bad: [unknown, RegExp][] = [
    [{ rollback: "yes" }, /rollback must be an object/],
    [{ rollback: { max_files: 0 } }, /rollback\.max_files must be a positive integer/],
    [{ rollback: { max_bytes: "lots" } }, /rollback\.max_bytes must be a positive byte count/],
    [
      { rollback: { exclude: [""] } },
      /rollback\.exclude\[0\] must be a non-empty gitignore pattern/,
    ],
    [{ rollback: { keep: 1 } }, /unknown key "rollback\.keep"/],
    [{ guard: "Makefile" }, /guard must be/],
  ];
  for (const [raw, message] of bad) {
    await t.step(`refuses ${JSON.stringify(raw)}`, () => {
      try {
        validateProfile(raw, meta);
      } catch (err) {
        if (!message.test((err as Error).message)) throw err;
        return;
      }
      throw new Error("accepted");
    });
  }
});
