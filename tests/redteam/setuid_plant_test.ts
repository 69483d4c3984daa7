/**
 * Finding: the command can leave a set-user-ID (or set-group-ID) program in its write
 * grants. Every mount of the sandbox is `nosuid`, so the bit does nothing inside — but the
 * workdir is an ordinary host directory afterwards. A command started by root owns what
 * it creates as root (uid 0 of the host) and `chmod 4755` on its own file needs no
 * capability: once the session ends, any local user who can reach the workdir runs the
 * planted shell as root. For a normal user the same plant runs as that user for anyone
 * else, outside every sandbox. Landlock does not mediate chmod, and seccomp lets the
 * mode bits through.
 *
 * The host-side check runs the planted shell as nobody and looks at its effective uid.
 */

import { equal } from "node:assert/strict";
import { airlock, host, NOBODY, rootOnly, tree } from "./_redteam.ts";

const SETID = 0o6000;

Deno.test(
  "redteam: a command started by root leaves no set-user-ID program in the workdir",
  rootOnly,
  async () => {
    await using t = await tree("setuid");
    await Deno.chmod(t.root, 0o755); // the workdir is reachable by other local users
    const out = await airlock(
      t,
      "cp /bin/dash rootsh && chmod 4755 rootsh; cp /bin/dash groupsh && chmod 2755 groupsh; " +
        "mkdir -p d && cp /bin/dash d/nested && chmod u+s,g+s d/nested; true",
    );
    equal(out.code, 0, out.stderr);
    for (const name of ["rootsh", "groupsh", "d/nested"]) {
      const mode = (Deno.statSync(`${t.work}/${name}`).mode ?? 0) & SETID;
      equal(mode, 0, `${name} kept mode ${mode.toString(8)} (set-id bits) on the host`);
    }
    // What the bits are worth: another local user runs the plant.
    const id = await host(
      "/usr/bin/setpriv",
      `--reuid=${NOBODY}`,
      `--regid=${NOBODY}`,
      "--clear-groups",
      `${t.work}/rootsh`,
      "-p",
      "-c",
      "id -u; id -g",
    ).catch(() => "");
    equal(id.includes("\n0\n") || id.startsWith("0\n"), false, `nobody ran rootsh as ${id}`);
  },
);
