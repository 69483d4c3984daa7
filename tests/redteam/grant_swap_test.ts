/**
 * Finding: a grant's path is resolved three times — by airlock when it plans (realpath),
 * by the exec helper when it binds it (`open_tree`), and again by the helper when it
 * builds the Landlock ruleset (`open(O_PATH)`, following symlinks) — and whoever can write
 * the grant's parent directory can change what the path names in between. Between the
 * mounts and the ruleset the helper starts the network bridge (a Deno start-up, tens of
 * milliseconds): replacing the granted directory with a symlink then puts the Landlock
 * rule on the symlink's target, any directory of the host the mount layer shows
 * read-only. The command reads it; no protected-path check ever saw it.
 *
 * Who can write the parent: a second session whose workdir contains this one's grant
 * (one agent on a monorepo, another on a package inside), or any process of the user.
 * Seen with a real confined second session toggling the directory every 4 ms, without
 * any timing knowledge: of 20 launches, 2 got the read through this window, 12 got a
 * read-write grant on the target (the symlink was there when airlock resolved the
 * policy: realpath follows it, so the grant is the target's) and 4 failed to set up.
 * Here the host plays the second session with perfect timing, so the test is
 * deterministic: it swaps the directory as soon as the helper's mount namespace has the
 * bind.
 */

import { ok } from "node:assert/strict";
import { REPO } from "../_cli.ts";
import { rootOnly, tree } from "./_redteam.ts";

/** The exec helper of the session whose HOME is `home`, once it has bound `path`. */
function helperWithBind(home: string, path: string): boolean {
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      if (!Deno.readTextFileSync(`/proc/${entry.name}/environ`).includes(`HOME=${home}\0`)) {
        continue;
      }
      if (Deno.readTextFileSync(`/proc/${entry.name}/mountinfo`).includes(` ${path} `)) {
        return true;
      }
    } catch {
      // gone, or not ours
    }
  }
  return false;
}

Deno.test(
  "redteam: a grant swapped for a symlink after the mounts does not move the Landlock rule",
  rootOnly,
  async () => {
    await using t = await tree("swap");
    const shared = `${t.root}/shared`; // the other session's workdir
    const granted = `${shared}/pkg`; // this session's grant
    const outside = `${t.root}/outside`;
    await Deno.mkdir(granted, { recursive: true });
    await Deno.mkdir(outside);
    await Deno.writeTextFile(`${outside}/secret.txt`, "outside-secret\n");
    const session = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        `${REPO}main.ts`,
        "run",
        "--allow-domain",
        "example.com", // a bridge: the helper starts it between the mounts and Landlock
        "--allow",
        granted,
        "--",
        "/bin/sh",
        "-c",
        `cat ${outside}/secret.txt 2>/dev/null && echo ESCAPED read outside; true`,
      ],
      cwd: t.work,
      env: { HOME: t.home, XDG_STATE_HOME: t.state },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let swapped = false;
    for (let i = 0; i < 3000 && !swapped; i++) {
      if (helperWithBind(t.home, granted)) {
        await Deno.rename(granted, `${granted}.real`);
        await Deno.symlink(outside, granted);
        swapped = true;
      } else {
        await new Promise((r) => setTimeout(r, 1));
      }
    }
    const out = await session.output();
    const text = new TextDecoder();
    const stdout = text.decode(out.stdout);
    ok(swapped, "the helper's bind was never seen");
    ok(!stdout.includes("ESCAPED"), `${stdout}\n${text.decode(out.stderr)}`);
  },
);
