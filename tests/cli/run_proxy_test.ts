/**
 * `airlock run --credential …` end to end: the real CLI starts the session proxy, the
 * official SDKs run CONFINED (network mode proxy: their only TCP connect is the proxy's
 * port) and reach a fake TLS upstream through the built-in routes, pinned with
 * `--resolve HOST:443:ADDR` and trusted with `--upstream-ca`. The upstream listens on a
 * private loopback address that forwards to the fake server.
 */

import { equal, match, ok } from "node:assert/strict";
import { startUpstream, type Upstream } from "../proxy/_support/port443_upstream.ts";
import { type ClientRun, collectClientEvents } from "../clients/_support/client_events.ts";
import { REPO, runCli } from "../_cli.ts";

const linuxOnly = {
  ignore: Deno.build.os !== "linux",
  sanitizeResources: false,
  sanitizeOps: false,
};
const CLIENTS = `${REPO}tests/clients`;

type Run = ClientRun;

/** Runs `airlock run` with one credential and a client script, releasing chunks in lock-step. */
async function airlockClient(
  u: Upstream,
  route: string,
  host: string,
  secret: string,
  script: string[],
  onEvent?: (ev: Record<string, unknown>, child: Deno.ChildProcess) => void,
): Promise<Run> {
  const work = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "airlock-proxy-" });
  const state = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "airlock-state-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      `${REPO}main.ts`,
      "run",
      "--credential",
      `${route}=env:AIRLOCK_TEST_REAL_KEY`,
      "--resolve",
      `${host}:443:${u.addr}`,
      "--upstream-ca",
      u.ca.caFile,
      "--read",
      CLIENTS,
      "--",
      "node",
      ...script,
    ],
    cwd: work,
    env: { AIRLOCK_TEST_REAL_KEY: secret, XDG_STATE_HOME: state },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const run = await collectClientEvents(child, (ev) => {
    if (ev.event === "chunk") u.up.release();
    onEvent?.(ev, child);
  });
  run.raw += await auditText(`${state}/airlock/sessions`);
  await Deno.remove(work, { recursive: true });
  await Deno.remove(state, { recursive: true });
  return run;
}

/** Every audit file's text, so the secret scan covers them too. */
async function auditText(dir: string): Promise<string> {
  let text = "";
  try {
    for await (const session of Deno.readDir(dir)) {
      for await (const file of Deno.readDir(`${dir}/${session.name}`)) {
        text += await Deno.readTextFile(`${dir}/${session.name}/${file.name}`);
      }
    }
  } catch {
    // no session directory: nothing recorded
  }
  return text;
}

function envOf(run: Run): Record<string, string> {
  return (run.events.find((e) => e.event === "env")?.env ?? {}) as Record<string, string>;
}

const CASES = [
  {
    name: "openai streamed completion",
    route: "openai",
    host: "api.openai.com",
    script: [`${CLIENTS}/openai_chat.mjs`, "--stream"],
    tokenVar: "OPENAI_API_KEY",
    header: "authorization",
  },
  {
    name: "anthropic streamed message",
    route: "anthropic",
    host: "api.anthropic.com",
    script: [`${CLIENTS}/anthropic_message.mjs`, "--stream"],
    tokenVar: "ANTHROPIC_API_KEY",
    header: "x-api-key",
  },
  {
    name: "genai generateContent with ?key=",
    route: "gemini",
    host: "generativelanguage.googleapis.com",
    script: [`${CLIENTS}/gemini_generate.mjs`, "--query-key"],
    tokenVar: "GEMINI_API_KEY",
    header: "x-goog-api-key",
  },
];

for (const c of CASES) {
  Deno.test({
    name:
      `airlock run --credential ${c.route}: the confined SDK (${c.name}) works with only its token`,
    ...linuxOnly,
    async fn() {
      const u = await startUpstream();
      try {
        const secret = `sk-REAL-${c.route}-${crypto.randomUUID()}`;
        const run = await airlockClient(u, c.route, c.host, secret, c.script);
        equal(run.code, 0, run.raw.slice(-3000));
        ok(!run.raw.includes(secret), "the real key reached the command, its output or the audit");
        ok(run.raw.includes('"decision"'), "the session's audit file was scanned");
        const env = envOf(run);
        ok(env[c.tokenVar] && env[c.tokenVar] !== secret, "the command has a phantom token");
        equal(env.AIRLOCK_TEST_REAL_KEY, undefined);
        const streamed = run.events.filter((e) => e.event === "chunk").map((e) => e.text);
        if (c.script.includes("--stream")) {
          equal(streamed.join(""), "tok0 tok1 tok2 tok3 ");
        }
        equal(u.up.seen.length, 1);
        ok((u.up.seen[0]!.headers[c.header] ?? "").endsWith(secret), "upstream got the real key");
        ok(!JSON.stringify(u.up.seen[0]).includes(env[c.tokenVar]!), "token was not forwarded");
      } finally {
        await u.close();
      }
    },
  });
}

Deno.test({
  name: "airlock run: killing airlock mid-stream leaves neither the command nor the proxy",
  ...linuxOnly,
  async fn() {
    const u = await startUpstream();
    try {
      let proxyPort = 0;
      let killed = false;
      const secret = `sk-REAL-kill-${crypto.randomUUID()}`;
      const marker = `kill-marker-${crypto.randomUUID()}`;
      const run = await airlockClient(
        u,
        "openai",
        "api.openai.com",
        secret,
        [`${CLIENTS}/openai_chat.mjs`, "--stream", marker],
        (ev, child) => {
          if (ev.event === "env") {
            proxyPort = Number(
              new URL(envOf({ events: [ev], code: 0, raw: "" }).OPENAI_BASE_URL!).port,
            );
          }
          if (ev.event === "chunk" && !killed) {
            killed = true;
            child.kill("SIGKILL"); // airlock itself, mid-stream
          }
        },
      );
      ok(killed, run.raw.slice(-2000));
      equal(run.code, 137);
      ok(proxyPort > 0);
      // The confined client dies with airlock (parent-death signal) …
      let alive = true;
      for (let i = 0; i < 50 && alive; i++) {
        const ps = await new Deno.Command("pgrep", { args: ["-f", marker], stdout: "null" })
          .output();
        alive = ps.success;
        if (alive) await new Promise((r) => setTimeout(r, 100));
      }
      ok(!alive, "the confined command outlived airlock");
      // … and nothing listens on the proxy's port any more.
      let listening = true;
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port: proxyPort })).close();
      } catch {
        listening = false;
      }
      ok(!listening, "the proxy port is still open");
    } finally {
      // Release the stream the killed client left waiting.
      for (let i = 0; i < 4; i++) u.up.release();
      await u.close();
    }
  },
});

const START_FAILURES: [string, string[], number, RegExp][] = [
  [
    "a missing env: credential",
    ["--credential", "openai=env:AIRLOCK_TEST_UNSET_VAR"],
    125,
    /the variable is not set/,
  ],
  ["an unknown route", ["--credential", "bogus"], 125, /unknown route "bogus": known routes are/],
  [
    "an unknown reference scheme",
    ["--credential", "openai=weird:x"],
    2,
    /must use one of the schemes/,
  ],
  [
    "a malformed --resolve",
    ["--credential", "openai=env:HOME", "--resolve", "api.openai.com:443"],
    2,
    /--resolve: it must be HOST:PORT:ADDR/,
  ],
  [
    "an unreadable --upstream-ca",
    ["--credential", "openai=env:HOME", "--upstream-ca", "/nonexistent/ca.pem"],
    2,
    /upstream-ca/,
  ],
];

for (const [what, flags, code, message] of START_FAILURES) {
  Deno.test(`airlock run refuses ${what} before the command starts (exit ${code})`, async () => {
    const work = await Deno.makeTempDir({ dir: "/var/tmp" });
    const tmp = await Deno.makeTempDir({ dir: "/var/tmp" });
    try {
      const r = await runCli(["run", ...flags, "--", "/bin/sh", "-c", "echo started"], {
        cwd: work,
        env: { TMPDIR: tmp },
      });
      equal(r.code, code, r.stderr);
      equal(r.stdout, "");
      match(r.stderr, message);
      equal(r.stderr.trim().split("\n").length <= 2, true, r.stderr);
      // The exec helper started for the proxy run exited; its plan directory is gone.
      equal([...Deno.readDirSync(tmp)].map((e) => e.name).join(","), "");
    } finally {
      await Deno.remove(tmp, { recursive: true });
      await Deno.remove(work, { recursive: true });
    }
  });
}
