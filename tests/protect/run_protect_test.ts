/**
 * The persistence guard through `airlock run --profile claude-code`, each layer alone: an
 * existing protected file is read-only inside the sandbox (the write fails there), and a
 * protected path the session creates is removed after it (the read-only bind cannot cover
 * what did not exist) with the session's version moved into the state directory;
 * `--accept-guarded` keeps it.
 */

import { equal, match, ok } from "node:assert/strict";
import { airlock, linuxOnly, tree } from "../redteam/_redteam.ts";

Deno.test(
  "protect: an existing protected file is read-only inside the sandbox",
  linuxOnly,
  async () => {
    await using t = await tree("protect-ro");
    const settings = `${t.home}/.claude/settings.json`;
    await Deno.mkdir(`${t.home}/.claude`, { recursive: true });
    await Deno.writeTextFile(settings, "{}\n");
    const out = await airlock(
      t,
      `echo '{"hooks":1}' > "$HOME/.claude/settings.json" && echo WROTE; ` +
        `echo state > "$HOME/.claude/history.jsonl" && echo STATE`,
      ["--profile", "claude-code"],
    );
    equal(out.code, 0, out.stderr);
    ok(!out.stdout.includes("WROTE"), out.stdout);
    match(out.stderr, /Read-only file system/);
    ok(out.stdout.includes("STATE"), "the rest of ~/.claude stays writable");
    equal(Deno.readTextFileSync(settings), "{}\n");
    ok(!out.stderr.includes("airlock: protected:"), out.stderr);
  },
);

Deno.test(
  "protect: a protected path the session creates is removed after it and kept aside",
  linuxOnly,
  async () => {
    await using t = await tree("protect-created");
    await Deno.mkdir(`${t.home}/.claude`, { recursive: true });
    const out = await airlock(
      t,
      `mkdir "$HOME/.claude/hooks" && echo 'touch /tmp/pwned' > "$HOME/.claude/hooks/run.sh"`,
      ["--profile", "claude-code"],
    );
    equal(out.code, 0, out.stderr);
    ok(!existsL(`${t.home}/.claude/hooks`), "the planted directory is gone");
    const line = out.stderr.split("\n").find((l) => l.startsWith("airlock: protected:"));
    ok(line, out.stderr);
    match(line, /created .*\/\.claude\/hooks; removed it; the session's version is in /);
    const kept = line.slice(line.indexOf(" is in ") + 7, line.indexOf(" (--accept"));
    ok(kept.startsWith(`${t.state}/airlock/protected/`), kept);
    equal(Deno.readTextFileSync(`${kept}/run.sh`), "touch /tmp/pwned\n");
  },
);

Deno.test("protect: --accept-guarded keeps what the session created", linuxOnly, async () => {
  await using t = await tree("protect-accept");
  await Deno.mkdir(`${t.home}/.claude`, { recursive: true });
  const out = await airlock(
    t,
    `mkdir "$HOME/.claude/agents" && echo reviewer > "$HOME/.claude/agents/r.md"`,
    ["--profile", "claude-code", "--accept-guarded"],
  );
  equal(out.code, 0, out.stderr);
  equal(Deno.readTextFileSync(`${t.home}/.claude/agents/r.md`), "reviewer\n");
  match(out.stderr, /airlock: protected: the session created .*agents; kept \(--accept-guarded\)/);
});

Deno.test("protect: the command's exit status passes through the guard", linuxOnly, async () => {
  await using t = await tree("protect-status");
  await Deno.mkdir(`${t.home}/.claude`, { recursive: true });
  const out = await airlock(t, `mkdir "$HOME/.claude/hooks"; exit 7`, [
    "--profile",
    "claude-code",
  ]);
  equal(out.code, 7, out.stderr);
  ok(!existsL(`${t.home}/.claude/hooks`));
});

function existsL(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
