/**
 * Finding: a kernel filesystem mounted beneath a grant comes into the sandbox with the
 * grant. The helper clones every write grant recursively and clears `RDONLY` on the
 * copy, so a `proc` or `sysfs` mounted inside the workdir (a chroot or image build tree:
 * `mount -t proc proc rootfs/proc`, `mount --rbind /sys rootfs/sys`) is the host's, and
 * Landlock's write grant on the workdir covers it. A command started by root is uid 0 of
 * the host (`--map-current-user`), and `/proc/sys` and sysfs check only the file mode for
 * most writes: it rewrites host sysctls (`kernel.core_pattern` = code run as real root at
 * the next crash, `sysrq-trigger`) and sysfs attributes, and it sees every host process.
 * The policy refuses write grants beneath `/proc` and `/sys` by path; a mount elsewhere
 * is not seen.
 *
 * Each case writes a value back unchanged (harmless) and prints ESCAPED when the kernel
 * accepted the write.
 */

import { ok } from "node:assert/strict";
import { airlock, assertHeld, escaped, hostMount, rootOnly, tree } from "./_redteam.ts";

Deno.test(
  "redteam: a procfs mounted inside the workdir gives no host sysctl write and no host process",
  rootOnly,
  async () => {
    await using t = await tree("proc");
    await hostMount(t, "-t", "proc", "proc", `${t.work}/rootfs/proc`);
    const sysctl = "rootfs/proc/sys/kernel/printk_ratelimit";
    const out = await airlock(
      t,
      [
        escaped(`v=$(cat ${sysctl}) && echo "$v" > ${sysctl}`, "wrote a host sysctl"),
        escaped(
          `v=$(cat rootfs/proc/sys/kernel/core_pattern) && ` +
            `printf "%s\\n" "$v" > rootfs/proc/sys/kernel/core_pattern`,
          "wrote kernel.core_pattern",
        ),
        escaped(`test -e rootfs/proc/${Deno.pid}/cmdline`, "saw a host process"),
      ].join("; "),
    );
    assertHeld(out);
  },
);

Deno.test(
  "redteam: a sysfs mounted inside the workdir gives no host sysfs write",
  rootOnly,
  async () => {
    await using t = await tree("sysfs");
    await hostMount(t, "-t", "sysfs", "sysfs", `${t.work}/rootfs/sys`);
    const attr = "rootfs/sys/kernel/mm/transparent_hugepage/khugepaged/pages_to_scan";
    ok(Deno.statSync(`${t.work}/${attr}`).isFile, "the probe attribute exists on this kernel");
    const out = await airlock(
      t,
      escaped(`v=$(cat ${attr}) && echo "$v" > ${attr}`, "wrote a host sysfs attribute"),
    );
    assertHeld(out);
  },
);
