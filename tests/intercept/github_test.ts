/**
 * The `github` credential end to end, confined: `gh api user` (REST, `Authorization:
 * token …` or `Bearer …`) and `git clone`/`git push` of a private repository over HTTPS
 * (the phantom token as the password of `Authorization: Basic`), both through TLS
 * interception of the real host names, against a fake GitHub that accepts only the real
 * token. The command sees only a phantom token shaped like the real one.
 */

import { deepStrictEqual as equal, ok } from "node:assert/strict";
import { startFakeGithub } from "./_fake_github.ts";
import { confinedShell, linuxOnly } from "./_confined.ts";

const hasGh = new Deno.Command("sh", { args: ["-c", "command -v gh"], stdout: "null" })
  .outputSync().success;

function run(gh: Awaited<ReturnType<typeof startFakeGithub>>, secret: string, script: string) {
  return confinedShell(script, {
    credential: "github",
    secret,
    caFile: gh.ca.caFile,
    pins: [`api.github.com:443:${gh.addr}`, `github.com:443:${gh.addr}`],
    extra: ["--env", "HOME=/tmp"],
  });
}

Deno.test({
  name: "confined gh api user works with the phantom token only",
  ...linuxOnly,
  ignore: linuxOnly.ignore || !hasGh,
  async fn() {
    const secret = `ghp_REAL${crypto.randomUUID().replaceAll("-", "")}`;
    const gh = await startFakeGithub(secret);
    try {
      const r = await run(
        gh,
        secret,
        'echo "token=$GH_TOKEN"; GH_CONFIG_DIR=/tmp/gh gh api user --jq .login',
      );
      equal(r.code, 0, r.stderr + JSON.stringify(r.audit.filter((x) => x.kind !== "start")));
      const token = r.stdout.match(/^token=(\S+)$/m)?.[1] ?? "";
      ok(token.startsWith("ghp_") && token !== secret, r.stdout);
      ok(r.stdout.includes("octo"), r.stdout);
      ok(!r.stdout.includes(secret) && !r.stderr.includes(secret));
      const api = gh.seen.filter((s) => s.host === "api.github.com");
      ok(
        api.length > 0 && api.every((s) => s.authorization?.endsWith(secret)),
        JSON.stringify(api),
      );
      ok(
        r.audit.some((x) =>
          x.route === "github" && x.via === "intercept" && x.decision === "allowed"
        ),
      );
    } finally {
      await gh.close();
    }
  },
});

Deno.test(
  "confined git clone and git push of a private repository over HTTPS",
  linuxOnly,
  async () => {
    const secret = `github_pat_REAL${crypto.randomUUID().replaceAll("-", "")}`;
    const gh = await startFakeGithub(secret);
    try {
      const helper = `!f() { echo username=x-access-token; echo "password=$GH_TOKEN"; }; f`;
      const r = await run(
        gh,
        secret,
        `set -e; case "$GH_TOKEN" in github_pat_*) ;; *) echo bad-shape; exit 9;; esac
       git -c credential.helper='${helper}' clone -q https://github.com/o/r.git /tmp/r
       cd /tmp/r; cat README; echo more >> README
       git -c user.email=a@b -c user.name=a commit -qam change
       git -c credential.helper='${helper}' push -q origin main; echo pushed`,
      );
      equal(r.code, 0, r.stderr + JSON.stringify(r.audit.filter((x) => x.kind !== "start")));
      ok(r.stdout.includes("private") && r.stdout.includes("pushed"), r.stdout);
      const log = new TextDecoder().decode(
        new Deno.Command("git", {
          args: ["log", "--format=%s", "main"],
          cwd: gh.repoDir,
          stdout: "piped",
        })
          .outputSync().stdout,
      );
      equal(log.trim().split("\n")[0], "change");
      const authed = gh.seen.filter((s) => s.host === "github.com" && s.authorization);
      ok(authed.length > 0);
      for (const s of authed) {
        const [user, pass] = atob(s.authorization!.slice(6)).split(":");
        equal(user, "x-access-token");
        equal(pass, secret);
      }
      ok(r.audit.some((x) => x.route === "github-git" && x.via === "intercept"));
    } finally {
      await gh.close();
    }
  },
);
