/**
 * Per-token limits end to end: the real CLI with `--limit` flags, the official SDKs run
 * confined against the fake TLS upstream (pinned with `--resolve`, trusted with
 * `--upstream-ca`), each limit hit at its value; `airlock audit show` prints what each
 * token used.
 */

import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { startUpstream } from "../proxy/_support/port443_upstream.ts";
import { collectClientEvents } from "../clients/_support/client_events.ts";
import { REPO } from "../_cli.ts";

const CLIENTS = `${REPO}tests/clients`;

Deno.test({
  name:
    "airlock run --limit: models and max_requests refuse OpenAI calls with 403, streamed Anthropic usage stops at max_tokens; audit show sums it",
  ignore: Deno.build.os !== "linux",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const u = await startUpstream();
    const work = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "airlock-limits-" });
    const state = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "airlock-state-" });
    try {
      const openaiKey = `sk-REAL-openai-${crypto.randomUUID()}`;
      const anthropicKey = `sk-ant-REAL-${crypto.randomUUID()}`;
      const calls = [
        "openai:gpt-fake",
        "openai:gpt-other", // not in models: 403, not counted
        "openai:gpt-fake",
        "openai:gpt-fake", // the third admitted request: over max_requests 2
        "anthropic", // 5 tokens (1 in, 4 out, streamed)
        "anthropic", // 10 used: max_tokens 10 reached
        "anthropic",
      ];
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--quiet",
          `${REPO}main.ts`,
          "run",
          "--credential",
          "openai=env:K_OPENAI",
          "--credential",
          "anthropic=env:K_ANTHROPIC",
          "--limit",
          "openai:max_requests=2",
          "--limit",
          "openai:models=gpt-fake",
          "--limit",
          "anthropic:max_tokens=10",
          "--resolve",
          `api.openai.com:443:${u.addr}`,
          "--resolve",
          `api.anthropic.com:443:${u.addr}`,
          "--upstream-ca",
          u.ca.caFile,
          "--read",
          CLIENTS,
          "--",
          "node",
          `${CLIENTS}/limits_sequence.mjs`,
          ...calls,
        ],
        cwd: work,
        env: { K_OPENAI: openaiKey, K_ANTHROPIC: anthropicKey, XDG_STATE_HOME: state },
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const run = await collectClientEvents(child, (ev) => {
        if (ev.event === "chunk") u.up.release();
      });
      assertEquals(run.code, 0, run.raw.slice(-3000));
      const results = run.events.filter((e) => e.event === "call");
      assertEquals(results.map((e) => e.status), [200, 403, 200, 403, 200, 200, 403]);
      assertEquals(results[1]!.kind, "PermissionDeniedError");
      ok(String(results[1]!.message).includes("model not in the allowed models"));
      ok(String(results[3]!.message).includes("max_requests 2 reached"));
      ok(String(results[6]!.message).includes("max_tokens 10 reached (10 used)"));
      assertEquals(u.up.seen.length, 4, "a refused request reached the upstream");
      ok(!run.raw.includes(openaiKey) && !run.raw.includes(anthropicKey));

      const cli = (args: string[]) =>
        new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", "--quiet", `${REPO}main.ts`, ...args],
          env: { XDG_STATE_HOME: state },
          stdout: "piped",
          stderr: "piped",
        }).output();
      const list = await cli(["audit", "list", "--json"]);
      const [session] = JSON.parse(new TextDecoder().decode(list.stdout));
      const shown = new TextDecoder().decode((await cli(["audit", "show", session.id])).stdout);
      ok(shown.includes("usage by token:"), shown);
      ok(
        shown.includes(
          "anthropic: 2 requests, 10 tokens (2 in, 8 out), 1 refused by a token limit",
        ),
        shown,
      );
      ok(
        shown.includes("openai: 2 requests, 4 tokens (2 in, 2 out), 2 refused by a token limit"),
        shown,
      );
      const json = new TextDecoder().decode(
        (await cli(["audit", "show", session.id, "--json"])).stdout,
      );
      const refusals = json.trim().split("\n").map((l) => JSON.parse(l)).filter((r) =>
        r.decision === "denied-limit"
      );
      assertEquals(refusals.map((r) => [r.route, r.status, r.limit]), [
        ["openai", 403, "models"],
        ["openai", 403, "max_requests"],
        ["anthropic", 403, "max_tokens"],
      ]);
    } finally {
      await u.close();
      await Deno.remove(work, { recursive: true }).catch(() => {});
      await Deno.remove(state, { recursive: true }).catch(() => {});
    }
  },
});
