/**
 * The prespawned exec helper (`src/sandbox/prespawn.ts`) against the real kernel: it runs
 * the command confined once handed the plan, exits quietly when discarded, never outlives
 * airlock, and a helper that died before the hand-over is an error, not a hang.
 *
 * A driver process (`_prespawn_driver.ts`) plays airlock; the tests find its helper as its
 * only child and read the FIFO's path from the helper's environment.
 */

import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { type Dirs, driverEnv, lines, makeDirs, makePolicy } from "./_helpers.ts";
import { PLAN_FIFO_ENV } from "../../src/sandbox/plan.ts";

const linuxOnly = { ignore: Deno.build.os !== "linux" };
const DRIVER = new URL("./_prespawn_driver.ts", import.meta.url).pathname;

/** A driver that has prespawned its helper. */
interface Driver extends AsyncDisposable {
  child: Deno.ChildProcess;
  out: AsyncGenerator<string>;
  /** The helper's pid. */
  helper: number;
  /** The FIFO's private directory. */
  dir: string;
  /** Sends the driver its action. */
  act(action: "run" | "discard"): Promise<void>;
}

async function startDriver(
  d: Dirs,
  argv: string[] = ["true"],
  env: Record<string, string> = {},
): Promise<Driver> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-config", DRIVER],
    env: driverEnv(makePolicy({ workdir: d.workdir, env }), argv),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const out = lines(child.stdout);
  assertEquals((await out.next()).value, "ready");
  const helper = await onlyChild(child.pid);
  // Right after spawn the helper may still be inside execve, its environment not yet set.
  let fifo: string | undefined;
  await waitUntil(async () => {
    const environ = await Deno.readTextFile(`/proc/${helper}/environ`).catch(() => "");
    fifo = environ.split("\0").find((v) => v.startsWith(`${PLAN_FIFO_ENV}=`));
    return fifo !== undefined;
  }, `the helper's environment to name its FIFO`);
  const dir = fifo!.slice(PLAN_FIFO_ENV.length + 1).replace(/\/[^/]*$/, "");
  const writer = child.stdin.getWriter();
  return {
    child,
    out,
    helper,
    dir,
    async act(action) {
      await writer.write(new TextEncoder().encode(`${action}\n`));
      await writer.close();
    },
    async [Symbol.asyncDispose]() {
      try {
        child.kill("SIGKILL");
      } catch {
        // already ended
      }
      await child.status;
      await writer.close().catch(() => {});
      await child.stderr.cancel().catch(() => {});
      for await (const _ of out) { /* drain */ }
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** The only child of a process. */
async function onlyChild(pid: number): Promise<number> {
  const text = await Deno.readTextFile(`/proc/${pid}/task/${pid}/children`);
  const children = text.trim().split(/\s+/).filter((s) => s !== "").map(Number);
  assertEquals(children.length, 1, `expected one child of ${pid}: ${text}`);
  return children[0]!;
}

/** Whether a process has ended (gone, or a zombie). */
async function ended(pid: number): Promise<boolean> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => "");
  return stat === "" || /^\d+ \([^)]*\) [ZX]/.test(stat);
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

/** Polls until `condition` holds; fails (instead of hanging) after a generous bound. */
async function waitUntil(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`Gave up waiting: ${what}`);
}

Deno.test(
  "a prespawned helper runs the command confined once handed the plan",
  linuxOnly,
  async () => {
    await using d = await makeDirs();
    await using driver = await startDriver(d, [
      "bash",
      "-c",
      `echo pid=$$; env | grep -c AIRLOCK_ || true; ` +
      `cat ${d.outside}/secret.txt 2>/dev/null || echo denied; exit 3`,
    ]);
    await driver.act("run");
    const rest: string[] = [];
    for await (const line of driver.out) rest.push(line);
    const status = await driver.child.status;
    assertEquals(
      [status.code, rest],
      [3, [`pid=${driver.helper}`, "0", "denied"]],
    );
    assertEquals(await exists(driver.dir), false, "the FIFO's directory is left behind");
  },
);

Deno.test(
  "a plan larger than a pipe's default buffer reaches the helper whole",
  linuxOnly,
  async () => {
    await using d = await makeDirs();
    const big = "x".repeat(100_000); // the plan is > 64 KiB, the default pipe capacity
    await using driver = await startDriver(d, ["bash", "-c", 'printf %s "$BIG" | wc -c'], {
      BIG: big,
    });
    await driver.act("run");
    const rest: string[] = [];
    for await (const line of driver.out) rest.push(line.trim());
    const status = await driver.child.status;
    assertEquals([status.code, rest], [0, ["100000"]]);
  },
);

Deno.test(
  "discardPrespawned() leaves no helper, no directory and no output",
  linuxOnly,
  async () => {
    await using d = await makeDirs();
    await using driver = await startDriver(d);
    await driver.act("discard");
    const status = await driver.child.status;
    const stderr = await new Response(driver.child.stderr).text();
    assertEquals([status.code, stderr], [0, ""]);
    assertEquals(await ended(driver.helper), true, `helper ${driver.helper} outlived the discard`);
    assertEquals(await exists(driver.dir), false, "the FIFO's directory is left behind");
  },
);

Deno.test("a helper waiting for its plan dies with airlock", linuxOnly, async () => {
  await using d = await makeDirs();
  await using driver = await startDriver(d);
  // The helper removes the directory once it has opened the FIFO, i.e. it is waiting.
  await waitUntil(async () => !(await exists(driver.dir)), "the helper to open the FIFO");
  driver.child.kill("SIGKILL");
  await driver.child.status;
  await waitUntil(() => ended(driver.helper), `helper ${driver.helper} to end with airlock`);
});

Deno.test("a helper still starting when airlock dies ends too", linuxOnly, async () => {
  await using d = await makeDirs();
  await using driver = await startDriver(d);
  driver.child.kill("SIGKILL");
  await driver.child.status;
  await waitUntil(() => ended(driver.helper), `helper ${driver.helper} to end with airlock`);
});

Deno.test(
  "run() fails with an error, not a hang, when the prespawned helper died before the plan",
  linuxOnly,
  async () => {
    await using d = await makeDirs();
    await using driver = await startDriver(d, ["echo", "must not run"]);
    Deno.kill(driver.helper, "SIGKILL");
    await driver.act("run");
    const rest: string[] = [];
    for await (const line of driver.out) rest.push(line);
    const status = await driver.child.status;
    const stderr = await new Response(driver.child.stderr).text();
    assertEquals([status.code, rest], [125, []]);
    ok(stderr.includes("ended before reading the plan: killed by SIGKILL"), stderr);
    assertEquals(await exists(driver.dir), false, "the FIFO's directory is left behind");
  },
);
