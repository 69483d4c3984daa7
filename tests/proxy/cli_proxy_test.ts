/**
 * `airlock proxy` as a real process: it writes the client variables to --env-file
 * (mode 0600), serves, refuses bad tokens, and exits on SIGTERM leaving nothing
 * listening; start-up failures exit 125 with one line.
 */

import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { formatEnv } from "../../src/cli/proxy.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Za-z_]+)='(.*)'$/.exec(line);
    if (m) out[m[1]!] = m[2]!.replaceAll(`'\\''`, "'");
  }
  return out;
}

Deno.test("formatEnv() single-quotes values for shells", () => {
  assertEquals(formatEnv({ A: "b c", B: "it's" }), `A='b c'\nB='it'\\''s'\n`);
});

Deno.test({
  name: "airlock proxy writes --env-file, serves, and stops on SIGTERM",
  sanitizeResources: false,
  async fn() {
    const state = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "airlock-cli-" });
    const envFile = `${state}/proxy.env`;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        MAIN,
        "proxy",
        "--credential",
        "openai=env:AIRLOCK_TEST_KEY",
        "--env-file",
        envFile,
      ],
      env: { XDG_STATE_HOME: state, AIRLOCK_TEST_KEY: "sk-real-cli" },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stderr = new Response(child.stderr).text();
    const stdout = new Response(child.stdout).text();
    try {
      let text = "";
      for (let i = 0; i < 300 && !text; i++) {
        try {
          text = await Deno.readTextFile(envFile);
        } catch {
          await new Promise((ok) => setTimeout(ok, 50));
        }
      }
      assertEquals((await Deno.stat(envFile)).mode! & 0o777, 0o600);
      const env = parseEnvFile(text);
      assert(env.OPENAI_API_KEY!.startsWith("sk-proj-"));
      assert(!text.includes("sk-real-cli"));
      const port = Number(new URL(env.OPENAI_BASE_URL!).port);
      const res = await fetch(`${env.OPENAI_BASE_URL}/models`, {
        headers: { authorization: "Bearer sk-proj-wrong" },
      });
      assertEquals(res.status, 401);
      await res.body?.cancel();
      child.kill("SIGTERM");
      const status = await child.status;
      assertEquals(status.code, 0);
      assertEquals(await stdout, "");
      assert(!(await stderr).includes("sk-real-cli"));
      await rejects(Deno.connect({ hostname: "127.0.0.1", port }));
    } finally {
      try {
        child.kill("SIGKILL");
      } catch { /* exited */ }
      await Deno.remove(state, { recursive: true });
    }
  },
});

Deno.test("airlock proxy exits 125 with one line when a credential is missing", async () => {
  const state = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "airlock-cli-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "proxy", "--credential", "openai=env:AIRLOCK_TEST_UNSET"],
      env: { XDG_STATE_HOME: state },
      clearEnv: true,
    }).output();
    assertEquals(out.code, 125);
    const err = new TextDecoder().decode(out.stderr);
    assert(err.startsWith("airlock: Cannot resolve credential"), err);
    assert(err.includes("AIRLOCK_TEST_UNSET"), err);
    assert(!err.includes("    at "), "stack trace printed");
  } finally {
    await Deno.remove(state, { recursive: true });
  }
});

Deno.test({
  name: "airlock proxy --json prints one object with the port, session, audit file and variables",
  sanitizeResources: false,
  async fn() {
    const state = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "airlock-cli-" });
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "proxy", "--json", "--credential", "openai=env:AIRLOCK_TEST_KEY"],
      env: { XDG_STATE_HOME: state, AIRLOCK_TEST_KEY: "sk-real-json" },
      stdout: "piped",
      stderr: "null",
    }).spawn();
    try {
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      while (!text.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      const out = JSON.parse(text);
      assert(Number.isInteger(out.port) && out.port > 0);
      assertEquals(new URL(out.env.OPENAI_BASE_URL).port, String(out.port));
      assert(out.auditPath.startsWith(state));
      assert(!text.includes("sk-real-json"));
      child.kill("SIGTERM");
      await reader.cancel();
      assertEquals((await child.status).code, 0);
    } finally {
      try {
        child.kill("SIGKILL");
      } catch { /* exited */ }
      await Deno.remove(state, { recursive: true });
    }
  },
});
