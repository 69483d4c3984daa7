/**
 * What a compiled airlock embeds, tested without `deno compile` (it cannot run here): the
 * embedded set from `scripts/build.ts` is laid out in an empty directory — no `deno.json`,
 * no `node_modules`, the bundles freshly built into it — and the CLI's main paths run from
 * there, with an empty working directory. npm packages resolve through the import map the
 * binary embeds (`deno.json`'s imports, written outside the layout) from Deno's cache.
 * Every module loaded lazily and every file read beside the code (profiles, schemas, the
 * trusted root, bundles, the bridge entry, the exec helper) exists only in the layout, so
 * a file missing from the set fails a step; the last test proves that by removing one.
 *
 * The same layout without bundles, and with a stale one, proves the fallback: the launch
 * still confines and exits as it should, and `--verbose` says which modules were loaded.
 */

import { deepStrictEqual as equal, match, ok } from "node:assert/strict";
import { BUILD_INFO, embeddedSet, importMap, layout } from "../../scripts/build.ts";
import { BUNDLES, bundleSources } from "../../scripts/build_bundles.ts";
import { smoke } from "../../scripts/smoke.ts";
import { createTestCa } from "../proxy/_support/test_ca.ts";
import { VERSION } from "../../src/version.ts";
import { type ProcessResult, runProcess } from "../_process.ts";

const linux = { ignore: Deno.build.os !== "linux", sanitizeResources: false, sanitizeOps: false };

const FIXTURES = new URL("../trust/fixtures/", import.meta.url);

interface Layout {
  dir: string;
  /** The command that runs airlock from the layout. */
  airlock: string[];
  /** Runs airlock from the layout in an empty directory with a private HOME. */
  cli(args: string[], options?: { env?: Record<string, string>; stdin?: string }): Promise<
    ProcessResult
  >;
  home: string;
  work: string;
}

let denoDir: string | undefined;
async function cacheDir(): Promise<string> {
  if (denoDir) return denoDir;
  const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
    .output();
  return denoDir = JSON.parse(new TextDecoder().decode(out.stdout)).denoDir as string;
}

async function makeLayout(options: { bundles?: boolean } = {}): Promise<Layout> {
  const root = await Deno.realPath(
    await Deno.makeTempDir({ dir: "/var/tmp", prefix: "airlock-embedded-" }),
  );
  const dir = `${root}/app`;
  await Deno.mkdir(dir);
  await layout(dir, options);
  const map = `${root}/import_map.json`;
  await Deno.writeTextFile(map, JSON.stringify(await importMap()));
  const home = `${root}/home`;
  const work = `${root}/work`;
  await Deno.mkdir(`${home}/.ssh`, { recursive: true, mode: 0o700 });
  await Deno.writeTextFile(`${home}/.ssh/id_ed25519`, "embedded-set-secret\n", { mode: 0o600 });
  await Deno.mkdir(work);
  const airlock = [
    Deno.execPath(),
    "run",
    "-A",
    "--quiet",
    "--no-config",
    "--no-lock",
    "--cached-only",
    "--import-map",
    map,
    `${dir}/main.ts`,
  ];
  const env = {
    HOME: home,
    XDG_CONFIG_HOME: `${home}/.config`,
    XDG_STATE_HOME: `${home}/.state`,
    DENO_DIR: await cacheDir(),
  };
  return {
    dir,
    airlock,
    home,
    work,
    cli: (args, o = {}) =>
      runProcess(airlock[0]!, [...airlock.slice(1), ...args], {
        cwd: work,
        env: { ...env, ...o.env },
        ...(o.stdin === undefined ? {} : { stdin: o.stdin }),
      }),
  };
}

async function removeLayout(l: Layout): Promise<void> {
  await Deno.remove(new URL(".", `file://${l.dir}`).pathname, { recursive: true });
}

function check(r: ProcessResult, code: number, what: string): void {
  equal(r.code, code, `${what}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
}

Deno.test("embeddedSet() holds main.ts, every src/ module, the profiles, schemas and trusted root", async () => {
  const set = await embeddedSet();
  for (
    const file of [
      "main.ts",
      "src/cli/mod.ts",
      "src/bridge/inside_main.ts",
      "src/sandbox/exec_helper.ts",
      "policies/default.json",
      "policies/schema.json",
      "policies/trust/schema.json",
      "policies/trust/sigstore_trusted_root.json",
      "ffi/libc.ts",
    ]
  ) ok(set.files.includes(file), file);
  ok(!set.files.some((f) => f.startsWith("tests/") || f === "deno.json"));
  ok(!set.files.some((f) => f.endsWith(".bundle.js")), "bundles are built per layout");
  for (const pkg of ["commander@", "hono@", "@sigstore/verify@", "jsonc-parser@"]) {
    ok(set.npm.some((p) => p.startsWith(pkg)), pkg);
  }
});

/** `"spec", import.meta.url` pairs: the files a module reads or imports beside itself. */
const BESIDE = /(["'])([^"'\n$]+)\1,\s*import\.meta\.url/g;

Deno.test("every file a module names beside itself is in the embedded set, from the bundles too", async () => {
  const set = await embeddedSet();
  const root = new URL("../../", import.meta.url);
  const present = new Set([...set.files, ...BUNDLES.map((b) => b.output), BUILD_INFO]);
  const missing: string[] = [];
  const check = (file: string, from: string) => {
    const text = Deno.readTextFileSync(new URL(file, root));
    for (const m of text.matchAll(BESIDE)) {
      const target = new URL(m[2]!, new URL(from, root)).href;
      if (!target.startsWith(root.href)) continue; // npm: or absolute
      const rel = decodeURIComponent(target.slice(root.href.length));
      if (!present.has(rel)) missing.push(`${file} (as ${from}): "${m[2]}" → ${rel}`);
    }
  };
  let named = 0;
  for (const file of set.files.filter((f) => /\.(ts|js)$/.test(f))) {
    named += [...Deno.readTextFileSync(new URL(file, root)).matchAll(BESIDE)].length;
    check(file, file);
  }
  ok(named > 30, `found ${named} names`);
  // Code inside a bundle runs with the bundle's import.meta.url (src/lazy_import.ts).
  for (const spec of BUNDLES) {
    for (const file of (await bundleSources(spec)).files) check(file, spec.output);
  }
  equal(missing, []);
});

Deno.test({
  name: "the embedded set alone runs run, shell, proxy, why, doctor, profiles, schemas and trust",
  ...linux,
  async fn() {
    const l = await makeLayout();
    try {
      for (const absent of ["deno.json", "deno.lock", "node_modules", "tests"]) {
        ok(!(await Deno.stat(`${l.dir}/${absent}`).catch(() => null)), absent);
      }
      // --version, doctor, a confined /bin/true, a denied ~/.ssh read, the proxy
      // (phantom token, health, SIGTERM) — the release smoke test, from the layout.
      await smoke(l.airlock, { env: { DENO_DIR: await cacheDir() } });

      const version = await l.cli(["--version", "--json"]);
      check(version, 0, "--version");
      const info = JSON.parse(version.stdout);
      equal(info.version, VERSION);
      const built = JSON.parse(await Deno.readTextFile(`${l.dir}/src/build_info.json`));
      equal(info.commit, built.commit, "the commit comes from the build info, not git");

      const verbose = await l.cli([
        "--verbose",
        "run",
        "--net",
        "none",
        "--",
        "/bin/sh",
        "-c",
        "exit 3",
      ]);
      check(verbose, 3, "run");
      match(verbose.stderr, /using src\/cli\/fast_run\.bundle\.js/);
      match(verbose.stderr, /using src\/sandbox\/exec_helper\.bundle\.js/);

      const shell = await l.cli(["shell", "--net", "none"], {
        env: { SHELL: "/bin/sh" },
        stdin: `cat ${l.home}/.ssh/id_ed25519; exit 4\n`,
      });
      check(shell, 4, "shell");
      ok(!shell.stdout.includes("embedded-set-secret"));

      const dry = await l.cli(["run", "--dry-run", "--json", "-p", "claude-code", "--", "claude"]);
      check(dry, 0, "run --dry-run");
      equal(JSON.parse(dry.stdout).policy.profile, "claude-code");

      const why = await l.cli(["why", "--path", `${l.home}/.ssh/id_ed25519`]);
      check(why, 1, "why");
      match(why.stdout, /^denied: read/);

      check(await l.cli(["--help"]), 0, "--help (every command file)");
      const list = await l.cli(["profile", "list"]);
      check(list, 0, "profile list");
      for (const name of ["default", "agent-base", "claude-code", "codex", "gemini-cli"]) {
        match(list.stdout, new RegExp(`^${name}\\s+built-in`, "m"));
      }
      check(await l.cli(["profile", "show", "codex", "--json"]), 0, "profile show");
      await Deno.writeTextFile(`${l.work}/mine.jsonc`, `{ "extends": "default" /* jsonc */ }\n`);
      check(await l.cli(["profile", "check", "mine.jsonc"]), 0, "profile check (JSONC)");
      const schema = await l.cli(["profile", "schema"]);
      check(schema, 0, "profile schema");
      ok(JSON.parse(schema.stdout).$schema);
      const trustSchema = await l.cli(["trust", "schema"]);
      check(trustSchema, 0, "trust schema");
      ok(JSON.parse(trustSchema.stdout).$schema);
      check(await l.cli(["audit", "list"]), 0, "audit list");

      // Keyless verification reads the vendored trusted root from the layout.
      await Deno.mkdir(`${l.home}/.config/airlock`, { recursive: true });
      await Deno.writeTextFile(
        `${l.home}/.config/airlock/trust-policy.json`,
        JSON.stringify({
          enforcement: "deny",
          publishers: [{
            type: "keyless",
            name: "brian",
            subject: "brian@dehamer.com",
            issuer: "https://github.com/login/oauth",
          }],
        }),
      );
      await Deno.writeTextFile(`${l.work}/CLAUDE.md`, "rules\n");
      await Deno.copyFile(
        new URL("bundleV03-dsse.sigstore", FIXTURES),
        `${l.work}/CLAUDE.md.bundle`,
      );
      const trust = await l.cli(["trust", "verify", "--json"]);
      check(trust, 1, "trust verify");
      const file = JSON.parse(trust.stdout).files[0];
      equal(file.signer, "brian@dehamer.com (issuer https://github.com/login/oauth)");
      equal(file.status, "invalid-bundle"); // signature, certificate and log verified first
      await Deno.remove(`${l.work}/CLAUDE.md`);
      await Deno.remove(`${l.work}/CLAUDE.md.bundle`);

      // A run that needs the session proxy: the proxy, the bridge inside the namespaces,
      // and a confined curl that reaches a fake TLS upstream with the phantom token.
      await proxiedRun(l);

      // The bridge's entry as a compiled binary starts it: main.ts __sandbox-bridge.
      const bridge = await runProcess(l.airlock[0]!, [...l.airlock.slice(1), "__sandbox-bridge"], {
        env: { DENO_DIR: await cacheDir() },
      });
      check(bridge, 125, "__sandbox-bridge");
      match(bridge.stderr, /the bridge needs AIRLOCK_BRIDGE/);
    } finally {
      await removeLayout(l);
    }
  },
});

async function proxiedRun(l: Layout): Promise<void> {
  const ca = await createTestCa();
  let seen = "";
  const upstream = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: ca.certPem,
    key: ca.keyPem,
    onListen: () => {},
  }, (req) => {
    seen = req.headers.get("authorization") ?? "";
    return new Response("upstream says hello\n");
  });
  try {
    const port = upstream.addr.port;
    await Deno.writeTextFile(
      `${l.work}/routed.json`,
      JSON.stringify({
        extends: "default",
        routes: {
          fake: {
            upstream: `https://custom.test:${port}`,
            token: { header: "authorization", format: "Bearer {}" },
            inject: { header: "authorization", format: "Bearer {}" },
            env: { FAKE_BASE_URL: "{base_url}", FAKE_API_KEY: "{token}" },
          },
        },
        credentials: { fake: "env:AIRLOCK_FAKE_KEY" },
      }),
    );
    const r = await l.cli([
      "run",
      "-p",
      "routed.json",
      "--resolve",
      `custom.test:${port}:127.0.0.1`,
      "--upstream-ca",
      ca.caFile,
      "--",
      "/bin/sh",
      "-c",
      'curl -sS -H "authorization: Bearer $FAKE_API_KEY" "$FAKE_BASE_URL/v1/x"',
    ], { env: { AIRLOCK_FAKE_KEY: "sk-embedded-real" } });
    check(r, 0, "run with the session proxy");
    equal(r.stdout, "upstream says hello\n");
    equal(seen, "Bearer sk-embedded-real");
  } finally {
    await upstream.shutdown();
    await Deno.remove(ca.dir, { recursive: true });
  }
}

Deno.test({
  name: "without the bundles a launch loads the modules, still confines, and says so",
  ...linux,
  async fn() {
    const l = await makeLayout({ bundles: false });
    try {
      const r = await l.cli([
        "--verbose",
        "run",
        "--net",
        "none",
        "--",
        "/bin/sh",
        "-c",
        `cat ${l.home}/.ssh/id_ed25519; exit 5`,
      ]);
      check(r, 5, "run without bundles");
      ok(!r.stdout.includes("embedded-set-secret"), "the read is denied");
      match(r.stderr, /Permission denied/);
      match(r.stderr, /not using src\/cli\/fast_run\.bundle\.js: it is missing/);
      match(r.stderr, /not using src\/cli\/arg\.bundle\.js: it is missing/);
      match(r.stderr, /not using src\/sandbox\/exec_helper\.bundle\.js: it is missing/);
      const quiet = await l.cli(["run", "--net", "none", "--", "/bin/true"]);
      check(quiet, 0, "run without --verbose");
      equal(quiet.stderr, "", "no note without --verbose");
    } finally {
      await removeLayout(l);
    }
  },
});

Deno.test({
  name: "a stale bundle is never loaded: the changed modules run instead",
  ...linux,
  async fn() {
    const l = await makeLayout();
    try {
      // Edit two sources after the bundles were built, observably.
      const fast = `${l.dir}/src/cli/fast_run.ts`;
      await Deno.writeTextFile(
        fast,
        (await Deno.readTextFile(fast)).replace(
          "const run = parseFastRun(args);",
          'console.error("edited fast path"); const run = parseFastRun(args);',
        ),
      );
      const helper = `${l.dir}/src/sandbox/exec_helper.ts`;
      const text = await Deno.readTextFile(helper);
      const edited = text.replace(
        /export async function execHelperMain\(([^)]*)\)[^{]*\{/,
        (head) => `${head}\n  console.error("edited helper");`,
      );
      ok(edited !== text, "the helper's entry was found");
      await Deno.writeTextFile(helper, edited);
      const r = await l.cli(["--verbose", "run", "--net", "none", "--", "/bin/sh", "-c", "exit 6"]);
      check(r, 6, "run with stale bundles");
      match(r.stderr, /not using src\/cli\/fast_run\.bundle\.js: src\/cli\/fast_run\.ts changed/);
      match(r.stderr, /edited fast path/);
      match(
        r.stderr,
        /not using src\/sandbox\/exec_helper\.bundle\.js: src\/sandbox\/exec_helper\.ts changed/,
      );
      match(r.stderr, /edited helper/);
    } finally {
      await removeLayout(l);
    }
  },
});

Deno.test({
  name: "a layout missing a file the CLI reads fails (the test can fail)",
  ...linux,
  async fn() {
    const l = await makeLayout({ bundles: false });
    try {
      await Deno.remove(`${l.dir}/policies/default.json`);
      const r = await l.cli(["run", "--net", "none", "--", "/bin/true"]);
      ok(r.code !== 0, "run fails without the default profile");
      match(r.stderr, /default/);
      await Deno.remove(`${l.dir}/src/cli/why.ts`);
      ok((await l.cli(["why", "--path", "/etc"])).code !== 0, "why fails without its module");
    } finally {
      await removeLayout(l);
    }
  },
});
