/**
 * Codex CLI (from the npm registry) runs `codex exec` CONFINED under `--profile codex
 * --credential openai`: it reads neither `OPENAI_BASE_URL` nor `OPENAI_API_KEY`, and talks
 * to `api.openai.com` itself through `HTTPS_PROXY` with `CODEX_API_KEY`, trusting
 * `CODEX_CA_CERTIFICATE` — both set by airlock. The fake Responses API upstream (pinned
 * with `--resolve`, trusted with `--upstream-ca`) sees only the real key; the command's
 * environment, files and output hold only the phantom token.
 */

import { deepStrictEqual as equal, ok } from "node:assert/strict";
import { startFakeResponses } from "./_fake_responses.ts";
import { confinedShell, linuxOnly } from "./_confined.ts";
import { REPO } from "../_cli.ts";

const CODEX = `${REPO}tests/clients/node_modules/.bin/codex`;
const hasCodex = (() => {
  try {
    Deno.statSync(CODEX);
    return true;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "confined codex exec answers through interception with only the phantom token",
  ...linuxOnly,
  ignore: linuxOnly.ignore || !hasCodex,
  async fn() {
    const secret = `sk-proj-REAL${crypto.randomUUID().replaceAll("-", "")}`;
    const up = await startFakeResponses("hello from the fake responses api");
    const home = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "airlock-codex-home-" });
    try {
      const r = await confinedShell(
        `env > /tmp/env.txt; grep -rl "$AIRLOCK_NONE" /tmp/env.txt >/dev/null;
         "${CODEX}" exec --skip-git-repo-check "say hi" </dev/null; code=$?
         grep -c "^CODEX_API_KEY=sk-proj-" /tmp/env.txt; grep -rF -l -- "$CODEX_API_KEY" "$HOME/.codex" >/dev/null && echo token-in-files
         exit $code`,
        {
          credential: "openai",
          secret,
          caFile: up.ca.caFile,
          pins: [`api.openai.com:443:${up.addr}`],
          extra: ["--profile", "codex", "--read", `${REPO}tests/clients`, "--no-rollback"],
          env: { HOME: home },
        },
      );
      equal(r.code, 0, r.stderr + JSON.stringify(r.audit.filter((x) => x.kind !== "start")));
      ok(r.stdout.includes("hello from the fake responses api"), r.stdout);
      const calls = up.seen.filter((s) => s.path === "/v1/responses");
      ok(calls.length > 0, JSON.stringify(up.seen.map((s) => s.path)));
      for (const c of calls) equal(c.headers.authorization, `Bearer ${secret}`);
      // The real key is nowhere the command could leave it: output, the files Codex wrote.
      ok(!r.stdout.includes(secret) && !r.stderr.includes(secret));
      const grep = new Deno.Command("grep", { args: ["-rF", "-l", "--", secret, home] })
        .outputSync();
      equal(grep.code, 1, "the real key is in a file Codex wrote");
      ok(
        r.audit.some((x) =>
          x.kind === "route" && x.via === "intercept" && x.decision === "allowed"
        ),
      );
    } finally {
      await up.close();
      await Deno.remove(home, { recursive: true }).catch(() => {});
    }
  },
});
