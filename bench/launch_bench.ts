/**
 * Launch benchmark: how long `airlock run -- /bin/true` takes against bare `/bin/true`,
 * one empty `deno run`, and `bwrap` confining the same command. All runs happen in this
 * one invocation, interleaved, so the ratios compare like with like.
 *
 * Goal (issue 2): airlock within 2.5× of one empty `deno run`.
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
    cmd: [deno, "run", "-A", `${repo}main.ts`, "run", "--net", "none", "--", "/bin/true"],
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
      "--unshare-net",
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
if (values.json) {
  console.log(JSON.stringify({ runs, medians_ms: medians, airlock_over_deno: ratio }));
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
    `airlock / empty deno run = ${ratio.toFixed(2)}× (goal ≤ 2.5×: ${
      ratio <= 2.5 ? "met" : "NOT met"
    })`,
  );
}
