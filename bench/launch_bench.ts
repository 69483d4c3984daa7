/**
 * Launch benchmark: how long `airlock run -- /bin/true` takes against bare `/bin/true`,
 * one empty `deno run`, and `bwrap` creating the same namespaces for the same command
 * (the namespace layer alone); and a launch that needs the session proxy (the bridge runs
 * beside the command). All runs happen in this one invocation, interleaved, so the ratios
 * compare like with like.
 *
 * Goals (issue 9): `airlock run -- /bin/true` ≤ 3× one empty `deno run` (every launch now
 * starts two Deno processes: airlock outside, the exec helper inside the namespaces); a
 * proxied launch ≤ 5×.
 *
 * Usage: `deno run -A bench/launch_bench.ts [--runs N] [--json]`
 *
 * @module
 */

import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Deno.args,
  options: { runs: { type: "string", default: "40" }, json: { type: "boolean", default: false } },
});
const runs = Math.max(5, Number(values.runs) || 40);
const repo = new URL("..", import.meta.url).pathname;
const deno = Deno.execPath();
const emptyScript = await Deno.makeTempFile({ suffix: ".ts" });
await Deno.writeTextFile(emptyScript, "");
const workdir = await Deno.makeTempDir({ prefix: "airlock-bench-" });

interface Case {
  name: string;
  cmd: string[];
}

const cases: Case[] = [
  { name: "bare /bin/true", cmd: ["/bin/true"] },
  { name: "empty deno run", cmd: [deno, "run", emptyScript] },
  {
    name: "airlock run -- /bin/true",
    cmd: [deno, "run", "-A", `${repo}main.ts`, "run", "--", "/bin/true"],
  },
  {
    name: "airlock run (proxied)",
    cmd: [
      deno,
      "run",
      "-A",
      `${repo}main.ts`,
      "run",
      "--allow-domain",
      "example.com",
      "--",
      "/bin/true",
    ],
  },
];
if (await which("bwrap")) {
  cases.push({
    name: "bwrap /bin/true",
    cmd: [
      "bwrap",
      "--ro-bind",
      "/usr",
      "/usr",
      "--symlink",
      "usr/bin",
      "/bin",
      "--symlink",
      "usr/lib",
      "/lib",
      "--symlink",
      "usr/lib64",
      "/lib64",
      "--bind",
      workdir,
      workdir,
      "--unshare-user",
      "--unshare-pid",
      "--unshare-ipc",
      "--unshare-net",
      "--dev",
      "/dev",
      "--proc",
      "/proc",
      "--tmpfs",
      "/tmp",
      "--die-with-parent",
      "/bin/true",
    ],
  });
}

async function which(name: string): Promise<boolean> {
  try {
    const out = await new Deno.Command("sh", { args: ["-c", `command -v ${name}`], stdout: "null" })
      .output();
    return out.success;
  } catch {
    return false;
  }
}

async function timeOnce(cmd: string[]): Promise<number> {
  const start = performance.now();
  const out = await new Deno.Command(cmd[0]!, {
    args: cmd.slice(1),
    cwd: workdir,
    stdout: "null",
    stderr: "piped",
  }).output();
  const elapsed = performance.now() - start;
  if (!out.success) {
    throw new Error(
      `Cannot benchmark "${cmd.join(" ")}": it exited with ${out.code}: ${
        new TextDecoder().decode(out.stderr).trim()
      }`,
    );
  }
  return elapsed;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
try {
  for (const c of cases) await timeOnce(c.cmd); // warm caches
  for (let i = 0; i < runs; i++) {
    for (const c of cases) samples.get(c.name)!.push(await timeOnce(c.cmd));
  }
} finally {
  await Deno.remove(emptyScript);
  await Deno.remove(workdir, { recursive: true });
}

const medians = Object.fromEntries(cases.map((c) => [c.name, median(samples.get(c.name)!)]));
const denoMedian = medians["empty deno run"]!;
const airlockMedian = medians["airlock run -- /bin/true"]!;
const ratio = airlockMedian / denoMedian;
const proxied = medians["airlock run (proxied)"]! / denoMedian;
if (values.json) {
  console.log(
    JSON.stringify({
      runs,
      medians_ms: medians,
      airlock_over_deno: ratio,
      proxied_over_deno: proxied,
    }),
  );
} else {
  console.log(`launch benchmark, ${runs} runs each, median wall time`);
  for (const c of cases) {
    const m = medians[c.name]!;
    console.log(
      `  ${c.name.padEnd(28)} ${m.toFixed(1).padStart(7)} ms   ${
        (m / denoMedian).toFixed(2)
      }× empty deno run`,
    );
  }
  console.log(
    `airlock / empty deno run = ${ratio.toFixed(2)}× (goal ≤ 3×: ${
      ratio <= 3 ? "met" : "NOT met"
    })`,
  );
  console.log(
    `proxied airlock / empty deno run = ${proxied.toFixed(2)}× (goal ≤ 5×: ${
      proxied <= 5 ? "met" : "NOT met"
    })`,
  );
}
