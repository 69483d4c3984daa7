/**
 * The mount layer on its own terms.
 *
 * - Hardening: the sandbox's `/proc` is mounted read-write, so the mount layer does not
 *   cover `/proc/sys`: a command started by root is uid 0 of the host, and global sysctls
 *   check only the file mode (`kernel.core_pattern` included). Landlock's read-only grant
 *   on `/proc` is the one layer that stops it; with Landlock dropped (`--best-effort` on an
 *   older kernel) the host's sysctls are writable from the sandbox. bubblewrap binds
 *   `/proc/sys`, `/proc/sysrq-trigger`, `/proc/irq` and `/proc/bus` read-only for that
 *   reason.
 * - Functional: a write grant that contains a read-only mount (a devcontainer's `:ro`
 *   volume inside the workspace, a read-only bind in a checkout) makes every launch fail
 *   with `mount_setattr … EPERM`: clearing `RDONLY` recursively on the grant's copy hits the
 *   locked read-only submount. It should run, with that mount still read-only.
 */

import { equal, match } from "node:assert/strict";
import { airlock, assertHeld, escaped, host, hostMount, rootOnly, tree } from "./_redteam.ts";

Deno.test(
  "redteam: /proc/sys is read-only at the mount level, even without Landlock",
  rootOnly,
  async () => {
    await using t = await tree("procsys");
    const sysctl = "/proc/sys/kernel/printk_ratelimit";
    const out = await airlock(
      t,
      escaped(`v=$(cat ${sysctl}) && echo "$v" > ${sysctl}`, "wrote a host sysctl"),
      ["--best-effort"],
      { AIRLOCK_TEST_PRETEND_ABI: "0" },
    );
    match(out.stderr, /--best-effort: running without fs/); // Landlock is off, namespaces on
    equal(out.stdout.includes("ESCAPED"), false, out.stdout);
  },
);

Deno.test(
  "redteam: a workdir containing a read-only mount runs, and the mount stays read-only",
  rootOnly,
  async () => {
    await using t = await tree("rosub");
    const ro = `${t.work}/vendor`;
    await Deno.mkdir(ro);
    await Deno.writeTextFile(`${ro}/lib.txt`, "vendored\n");
    await hostMount(t, "--bind", ro, ro);
    await host("/usr/bin/mount", "-o", "remount,bind,ro", ro);
    const out = await airlock(
      t,
      `cat vendor/lib.txt && echo ok > mine.txt && ${
        escaped("echo x > vendor/lib.txt", "wrote into the read-only mount")
      }`,
    );
    assertHeld(out);
    equal(out.code, 0, out.stderr);
    match(out.stdout, /vendored/);
    equal(Deno.readTextFileSync(`${t.work}/mine.txt`), "ok\n");
  },
);
