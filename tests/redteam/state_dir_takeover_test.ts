/**
 * Finding: airlock trusts whatever it finds on the way to its session directory.
 *
 * - Without an absolute `HOME` (unset: cron, `env -i`, some CI and service managers),
 *   `stateDir()` falls back to `/tmp/.local/state/airlock`: sessions' runtime directories,
 *   bridge sockets, private `/tmp`s and audit logs then live in the directory every local
 *   user writes.
 * - `createSessionDir()` creates `…/airlock/run` with `recursive: true` and uses it when it
 *   exists, without checking who owns it or who can write it. Another local user who
 *   created it (or any directory above it) renames the new session directory away and puts
 *   their own in its place before the exec helper opens it: the sandbox's `/tmp` and
 *   `/dev/shm` are then that user's directories (everything the agent keeps there is read
 *   and can be changed), and the bridge's sockets live where that user can replace them
 *   (the agent's proxy traffic, phantom tokens included, goes to them).
 */

import { ok } from "node:assert/strict";
import { runCli } from "../_cli.ts";
import { airlock, asNobody, rootOnly, tree } from "./_redteam.ts";

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test(
  "redteam: without HOME, airlock keeps no session state in the shared /tmp",
  rootOnly,
  async () => {
    await using t = await tree("nohome");
    const fallback = "/tmp/.local";
    if (!exists(fallback)) t.defer(() => Deno.remove(fallback, { recursive: true }));
    const denoDir = Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`;
    const out = await runCli(
      ["run", "--", "/bin/sh", "-c", `grep " /tmp " /proc/self/mountinfo`],
      {
        cwd: t.work,
        clearEnv: true,
        env: { PATH: "/usr/bin:/bin", DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: "1" },
      },
    );
    // Failing closed (125, one line) is a fix as good as another location.
    const source = out.stdout.split(" ")[3] ?? "";
    ok(
      out.code === 125 || (out.code === 0 && source !== "" && !source.startsWith("/tmp/")),
      `the sandbox's /tmp is ${source} (code ${out.code}): ${out.stderr}`,
    );
  },
);

Deno.test(
  "redteam: another local user who can write above the state directory cannot take over a session's /tmp",
  rootOnly,
  async () => {
    await using t = await tree("takeover");
    await Deno.chmod(t.root, 0o755);
    // The shared directory stands for /tmp (what HOME-less runs use), sticky and 1777.
    const shared = `${t.root}/shared`;
    await Deno.mkdir(shared);
    await Deno.chmod(shared, 0o1777);
    const state = `${shared}/.local/state`;
    const run = `${state}/airlock/run`;
    const stop = await asNobody(
      t,
      `
import os, time
run = ${JSON.stringify(run)}
os.makedirs(run, exist_ok=True)
d = run
while d != ${JSON.stringify(shared)}:
    os.chmod(d, 0o777)
    d = os.path.dirname(d)
print("ready")
seen, got = set(), set()
end = time.time() + 60
while time.time() < end:
    for name in os.listdir(run):
        if name in seen or name.endswith(".old"):
            continue
        seen.add(name)
        p = os.path.join(run, name)
        time.sleep(0.005)  # let createSessionDir() finish; the helper opens it much later
        try:
            os.rename(p, p + ".old")
        except OSError as e:
            print("rename failed", e)
            continue
        os.mkdir(p)
        os.chmod(p, 0o777)
        for sub in ("tmp", "shm", "bridge"):
            os.mkdir(os.path.join(p, sub))
            os.chmod(os.path.join(p, sub), 0o1777)
        print("swapped", name)
    for name in seen:
        try:
            data = open(os.path.join(run, name, "tmp", "secret")).read().strip()
        except OSError:
            continue
        if data not in got:
            got.add(data)
            print("GOT", data)
    time.sleep(0.002)
`,
    );
    // A race the other user nearly always wins; three sessions make a miss unlikely.
    for (let i = 0; i < 3; i++) {
      const out = await airlock(
        t,
        "echo agent-scratch-data > /tmp/secret; sleep 0.3",
        [],
        { XDG_STATE_HOME: state },
      );
      ok(out.code === 0 || out.code === 125, `code ${out.code}: ${out.stderr}`);
    }
    const seen = await stop();
    ok(
      !seen.includes("GOT agent-scratch-data"),
      `the other user read the sandbox's /tmp:\n${seen}`,
    );
  },
);
