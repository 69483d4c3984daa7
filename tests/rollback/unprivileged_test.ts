/**
 * Restore without root's file-permission override: airlock usually runs as a normal
 * user, for whom a `chmod 000` file cannot be read and a `chmod 000` directory cannot be
 * entered. Here the real CLI runs under `setpriv` without CAP_DAC_OVERRIDE and
 * CAP_DAC_READ_SEARCH, so the kernel applies the modes to it as to any user.
 */

import { deepEqual, equal } from "node:assert/strict";
import { cli, hashListing, REPO, rollbackDirs, snapshotIdOf } from "./_tree.ts";
import { runProcess } from "../_process.ts";

const setpriv = await Deno.stat("/usr/bin/setpriv").then(() => true, () => false);

Deno.test("restore without DAC override brings back chmod 000 files and directories", {
  ignore: Deno.build.os !== "linux" || !setpriv,
}, async () => {
  await using d = await rollbackDirs();
  const baseline = hashListing(d.work);
  const run = await cli(d, [
    "run",
    "--rollback",
    "--",
    "/bin/sh",
    "-c",
    [
      "echo changed > src/lib/util.ts",
      "echo new > src/lib/new.txt",
      "chmod 000 src/lib",
      "chmod 000 docs/guide.md",
      "chmod 000 docs",
      "chmod 000 README.md",
    ].join(" && "),
  ]);
  equal(run.code, 0, run.stderr);
  const id = snapshotIdOf(run.stderr);
  const probe = await runProcess("/usr/bin/setpriv", [
    "--bounding-set=-dac_override,-dac_read_search",
    "/bin/cat",
    `${d.work}/README.md`,
  ]);
  equal(probe.code, 1, "the unprivileged process really cannot read the file");
  const restore = await runProcess("/usr/bin/setpriv", [
    "--bounding-set=-dac_override,-dac_read_search",
    Deno.execPath(),
    "run",
    "-A",
    "--quiet",
    `${REPO}main.ts`,
    "rollback",
    "restore",
    id,
  ], { cwd: d.work, env: d.env });
  equal(restore.code, 0, restore.stderr);
  deepEqual(hashListing(d.work), baseline);
});
