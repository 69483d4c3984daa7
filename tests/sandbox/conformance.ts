/**
 * The behaviour every `Sandbox` implementation must show, as one suite (Hono's
 * `runTest` pattern): filesystem confinement against the real kernel — a confined child
 * tries and fails, a control inside the grants succeeds — plus command resolution.
 * `linux_conformance_test.ts` and `macos_conformance_test.ts` run it; each case a
 * platform cannot run is skipped with its reason written in `SKIP`.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { makeDirs, makePolicy, runBash, runConfined, runPython } from "./_helpers.ts";

/** The platforms the suite runs on. */
export type Platform = "linux" | "macos";

/** Cases a platform skips, with the reason. */
const SKIP: Record<Platform, Record<string, string>> = {
  linux: {},
  macos: {
    "denies reaching outside through /proc/self/root and /proc/self/cwd": "macOS has no /proc",
    "a program outside the read grants exits 126 with EACCES":
      "the message names Linux's errno; Seatbelt's refusal is untested without a Mac",
  },
};

let platform: Platform = "linux";

/** Registers one case for the current platform, skipped where `SKIP` says so. */
function conformance(name: string, fn: () => Promise<void>): void {
  const skip = SKIP[platform][name];
  const os = platform === "linux" ? "linux" : "darwin";
  Deno.test({
    name: `${platform} sandbox ${name}${skip ? ` (skipped: ${skip})` : ""}`,
    ignore: Deno.build.os !== os || skip !== undefined,
    fn,
  });
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

/**
 * Registers the suite for one platform (each case is ignored on the other OS).
 *
 * @param target The platform whose sandbox is under test.
 */
export function runSandboxConformance(target: Platform): void {
  platform = target;
  conformance("denies reading a file outside the grants", async () => {
    await using d = await makeDirs();
    await Deno.writeTextFile(`${d.workdir}/inside.txt`, "inside\n");
    const r = await runBash(
      makePolicy({ workdir: d.workdir }),
      `cat inside.txt; cat ${d.outside}/secret.txt; echo "rc=$?"; ls ${d.outside}; echo "ls=$?"`,
    );
    assertEquals(r.code, 0, r.stderr);
    ok(r.stdout.startsWith("inside\n"), r.stdout);
    ok(!r.stdout.includes("top secret"), r.stdout);
    ok(r.stdout.includes("rc=1") && r.stdout.includes("ls=2"), r.stdout);
    ok(r.stderr.includes("Permission denied"), r.stderr);
  });

  conformance("denies writing outside the grants", async () => {
    await using d = await makeDirs();
    const r = await runBash(
      makePolicy({ workdir: d.workdir }),
      `echo x > ${d.outside}/new.txt; echo "new=$?"; echo x >> ${d.outside}/secret.txt; echo "append=$?"; ` +
        `: > ${d.outside}/secret.txt; echo "trunc=$?"; rm -f ${d.outside}/secret.txt; echo "rm=$?"`,
    );
    ok(r.stdout.includes("new=1") && r.stdout.includes("append=1"), r.stdout);
    ok(r.stdout.includes("trunc=1") && r.stdout.includes("rm=1"), r.stdout);
    assertEquals(await exists(`${d.outside}/new.txt`), false);
    assertEquals(await Deno.readTextFile(`${d.outside}/secret.txt`), "top secret\n");
  });

  conformance("allows writing inside the workdir (control)", async () => {
    await using d = await makeDirs();
    const r = await runBash(
      makePolicy({ workdir: d.workdir }),
      `mkdir sub && echo hello > sub/f.txt && mv sub/f.txt g.txt && ln g.txt h.txt && ln -s g.txt s && cat s`,
    );
    assertEquals([r.code, r.stdout], [0, "hello\n"], r.stderr);
    assertEquals(await Deno.readTextFile(`${d.workdir}/h.txt`), "hello\n");
  });

  conformance("denies renaming a file out of the workdir", async () => {
    await using d = await makeDirs();
    await Deno.writeTextFile(`${d.workdir}/mine.txt`, "mine\n");
    const r = await runPython(
      makePolicy({ workdir: d.workdir }),
      `import os\ntry:\n  os.rename("mine.txt", "${d.outside}/mine.txt"); print("moved")\nexcept OSError as e: print("denied", e.errno)`,
    );
    ok(r.stdout.startsWith("denied"), r.stdout + r.stderr);
    assertEquals(await exists(`${d.outside}/mine.txt`), false);
    assertEquals(await exists(`${d.workdir}/mine.txt`), true);
  });

  conformance("denies renaming a file into the workdir from outside", async () => {
    await using d = await makeDirs();
    const r = await runPython(
      makePolicy({ workdir: d.workdir }),
      `import os\ntry:\n  os.rename("${d.outside}/secret.txt", "stolen.txt"); print("moved")\nexcept OSError as e: print("denied", e.errno)`,
    );
    ok(r.stdout.startsWith("denied"), r.stdout + r.stderr);
    assertEquals(await exists(`${d.workdir}/stolen.txt`), false);
    assertEquals(await exists(`${d.outside}/secret.txt`), true);
  });

  conformance("denies hard-linking a file into or out of the workdir", async () => {
    await using d = await makeDirs();
    await Deno.writeTextFile(`${d.workdir}/mine.txt`, "mine\n");
    const r = await runPython(
      makePolicy({ workdir: d.workdir }),
      [
        "import os",
        "for src, dst in [('" + d.outside + "/secret.txt', 'in.txt'), ('mine.txt', '" + d.outside +
        "/out.txt')]:",
        "  try:",
        "    os.link(src, dst); print('linked')",
        "  except OSError as e: print('denied', e.errno)",
      ].join("\n"),
    );
    assertEquals(
      r.stdout.split("\n").filter((l) => l.startsWith("denied")).length,
      2,
      r.stdout + r.stderr,
    );
    assertEquals(await exists(`${d.workdir}/in.txt`), false);
    assertEquals(await exists(`${d.outside}/out.txt`), false);
  });

  conformance("denies following a symlink that points outside", async () => {
    await using d = await makeDirs();
    await Deno.symlink(`${d.outside}/secret.txt`, `${d.workdir}/planted`);
    const r = await runBash(
      makePolicy({ workdir: d.workdir }),
      `cat planted; echo "planted=$?"; ln -s ${d.outside} own; cat own/secret.txt; echo "own=$?"`,
    );
    ok(!r.stdout.includes("top secret"), r.stdout);
    ok(r.stdout.includes("planted=1") && r.stdout.includes("own=1"), r.stdout);
  });

  conformance("a program outside the read grants exits 126 with EACCES", async () => {
    await using d = await makeDirs();
    await Deno.copyFile("/usr/bin/true", `${d.outside}/mytrue`);
    await Deno.chmod(`${d.outside}/mytrue`, 0o755);
    const policy = makePolicy({ workdir: d.workdir });
    const direct = await runConfined(policy, [`${d.outside}/mytrue`]);
    assertEquals(direct.code, 126, direct.stderr);
    ok(direct.stderr.includes("EACCES"), direct.stderr);
    const viaShell = await runBash(policy, `${d.outside}/mytrue`);
    assertEquals(viaShell.code, 126, viaShell.stderr);
    const granted = await runConfined(makePolicy({ workdir: d.workdir, read: [d.outside] }), [
      `${d.outside}/mytrue`,
    ]);
    assertEquals(granted.code, 0, granted.stderr);
  });

  conformance("exits 127 for a command that does not exist", async () => {
    await using d = await makeDirs();
    const r = await runConfined(makePolicy({ workdir: d.workdir }), ["no-such-command-xyz"]);
    assertEquals(r.code, 127);
    ok(r.stderr.includes("no-such-command-xyz"), r.stderr);
  });

  conformance("exits 125 when the workdir cannot be entered", async () => {
    await using d = await makeDirs();
    const policy = { ...makePolicy({ workdir: d.workdir }), cwd: `${d.workdir}/missing` };
    const r = await runConfined(policy, ["/usr/bin/true"]);
    assertEquals(r.code, 125, r.stderr);
    ok(r.stderr.includes("working directory"), r.stderr);
  });

  conformance("denies reaching outside through /proc/self/root and /proc/self/cwd", async () => {
    await using d = await makeDirs();
    const r = await runPython(
      makePolicy({ workdir: d.workdir }),
      [
        "for p in ['/proc/self/root" + d.outside + "/secret.txt', '/proc/self/cwd/../../.." +
        d.outside +
        "/secret.txt']:",
        "  try:",
        "    print(open(p).read().strip())",
        "  except OSError as e: print('denied', e.errno)",
      ].join("\n"),
    );
    assertEquals(r.stdout, "denied 13\ndenied 13\n", r.stderr);
  });
}
