/**
 * Fail-closed behaviour, with `AIRLOCK_TEST_PRETEND_ABI` simulating an older kernel.
 */

import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { kernelLandlockAbi, landlockAbi, PRETEND_ABI_ENV } from "../../src/sandbox/landlock.ts";
import { makeDirs, makePolicy, runBash } from "./_helpers.ts";

const linuxOnly = { ignore: Deno.build.os !== "linux" };
const ABI3 = { airlockEnv: { [PRETEND_ABI_ENV]: "3" } };

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

Deno.test("run() exits 125 naming net.tcp when the kernel lacks TCP rules", linuxOnly, async () => {
  await using d = await makeDirs();
  const r = await runBash(makePolicy({ workdir: d.workdir, net: "none" }), "touch ran", ABI3);
  assertEquals(r.code, 125);
  ok(r.stderr.includes("net.tcp (Landlock ABI 4 needed)"), r.stderr);
  ok(r.stderr.includes("current ABI is 3") && r.stderr.includes("--best-effort"), r.stderr);
  assertEquals(await exists(`${d.workdir}/ran`), false);
});

Deno.test("run() exits 125 naming scope.signal in open mode on ABI 3", linuxOnly, async () => {
  await using d = await makeDirs();
  const r = await runBash(makePolicy({ workdir: d.workdir, net: "open" }), "touch ran", ABI3);
  assertEquals(r.code, 125);
  ok(r.stderr.includes("scope.signal") && !r.stderr.includes("net.tcp"), r.stderr);
  assertEquals(await exists(`${d.workdir}/ran`), false);
});

Deno.test(
  "run() under best effort runs on ABI 3, reports what it dropped, still confines files",
  linuxOnly,
  async () => {
    await using d = await makeDirs();
    const r = await runBash(
      makePolicy({ workdir: d.workdir, net: "none", bestEffort: true }),
      `touch ran; cat ${d.outside}/secret.txt; echo "read=$?"`,
      { ...ABI3, report: true },
    );
    assertEquals(r.code, 0, r.stderr);
    const report = JSON.parse(r.stderr.split("\n")[0]!.replace(/^report: /, ""));
    assertEquals(report.dropped, ["net.tcp", "scope.signal", "scope.abstract_unix"]);
    ok(report.enforced.includes("fs") && report.enforced.includes("fs.truncate"));
    assertEquals(r.stdout, "read=1\n");
    assertEquals(await exists(`${d.workdir}/ran`), true);
  },
);

Deno.test("landlockAbi() honours AIRLOCK_TEST_PRETEND_ABI only to lower the ABI", linuxOnly, () => {
  const before = Deno.env.get(PRETEND_ABI_ENV);
  try {
    Deno.env.set(PRETEND_ABI_ENV, "99");
    assertEquals(landlockAbi(), kernelLandlockAbi());
    Deno.env.set(PRETEND_ABI_ENV, "2");
    assertEquals(landlockAbi(), Math.min(2, kernelLandlockAbi()));
    Deno.env.set(PRETEND_ABI_ENV, "junk");
    assertEquals(landlockAbi(), kernelLandlockAbi());
  } finally {
    if (before === undefined) Deno.env.delete(PRETEND_ABI_ENV);
    else Deno.env.set(PRETEND_ABI_ENV, before);
  }
});
