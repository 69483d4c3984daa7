/**
 * Trust benchmark (issue 13), every figure against a baseline measured in this invocation:
 *
 * - scan: `scanTree()` over a 20,000-file tree with 50 signed instruction files, beside
 *   `find . ( -name AGENTS.md -o … )` over the same tree (goal: scan ≤ 2× find);
 * - keyed verification per file (goal ≤ 2 ms), with `TrustVerifier` over the 50 files;
 * - keyless verification per file after the first (goal ≤ 20 ms), `verifyKeyless()` over
 *   the ten real Sigstore bundles in `tests/trust/fixtures/`;
 * - the whole trust step on `airlock run -- /bin/true` in a repository with 5 signed files
 *   and a deny policy, against the same launch in a repository with no policy and no
 *   instruction file (goal: ≤ 10 % more).
 *
 * With `--baseline DIR` (a checkout of airlock before the trust step, e.g.
 * `git archive <commit> | tar -x -C DIR`), also that checkout's launch in the same empty
 * repository: what the step costs when there is nothing to verify.
 *
 * Usage: `deno run -A bench/trust_bench.ts [--runs N] [--json] [--baseline DIR]`
 *
 * @module
 */

import { parseArgs } from "node:util";
import { DEFAULT_INCLUDES, fileKind } from "../src/trust/default_includes.ts";
import { generateKey, importSigningKey } from "../src/trust/keyed.ts";
import { toPem } from "../src/trust/pem.ts";
import { scanTree } from "../src/trust/scanner.ts";
import { signFile } from "../src/trust/sign.ts";
import { mergeTrustPolicies } from "../src/trust/policy_load.ts";
import { validateTrustPolicy } from "../src/trust/policy_validate.ts";
import { TrustVerifier } from "../src/trust/verifier.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    runs: { type: "string", default: "20" },
    json: { type: "boolean", default: false },
    baseline: { type: "string" },
  },
});
const runs = Math.max(5, Number(values.runs) || 20);
const repo = new URL("..", import.meta.url).pathname;
const fixtures = new URL("../tests/trust/fixtures/", import.meta.url);
const root = await Deno.realPath(
  await Deno.makeTempDir({ dir: "/var/tmp", prefix: "airlock-trust-bench-" }),
);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function timed(
  cmd: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<number> {
  const start = performance.now();
  const out = await new Deno.Command(cmd[0]!, {
    args: cmd.slice(1),
    cwd,
    env,
    stdout: "null",
    stderr: "piped",
  })
    .output();
  const elapsed = performance.now() - start;
  if (!out.success) {
    throw new Error(
      `Cannot benchmark "${cmd.join(" ")}": ${new TextDecoder().decode(out.stderr).trim()}`,
    );
  }
  return elapsed;
}

const key = await importSigningKey((await generateKey()).pkcs8);
const publisher = {
  type: "key",
  name: "bench",
  fingerprint: key.fingerprint,
  public_key: toPem("PUBLIC KEY", key.spki),
};

/** A tree of `total` files in nested directories, `signed` of them instruction files. */
async function buildTree(dir: string, total: number, signed: number): Promise<void> {
  const names = [
    "AGENTS.md",
    "CLAUDE.md",
    ".claude/commands/review.md",
    "SKILL.md",
    ".cursorrules",
  ];
  let made = 0;
  for (let d = 0; made < total; d++) {
    const sub = `${dir}/pkg${d % 40}/mod${Math.floor(d / 40) % 10}/dir${d}`;
    Deno.mkdirSync(sub, { recursive: true });
    for (let f = 0; f < 50 && made < total; f++, made++) {
      Deno.writeTextFileSync(`${sub}/file${f}.ts`, "x");
    }
  }
  for (let i = 0; i < signed; i++) {
    const rel = `pkg${i % 40}/mod${i % 10}/i${i}/${names[i % names.length]}`;
    const path = `${dir}/${rel}`;
    Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    Deno.writeTextFileSync(path, `instructions ${i}\n`);
    await signFile({ path, name: rel, kind: fileKind(rel) }, key);
  }
}

const results: Record<string, number> = {};
try {
  // Scan vs find.
  const tree = `${root}/tree`;
  await buildTree(tree, 20_000, 50);
  const findArgs = ["find", "."];
  const literal = DEFAULT_INCLUDES.filter((g) => !g.includes("/") && !g.includes("*"));
  findArgs.push(
    "(",
    ...literal.flatMap((n, i) => (i ? ["-o", "-name", n] : ["-name", n])),
    ")",
    "-print",
  );
  const scanMs: number[] = [];
  const findMs: number[] = [];
  let foundCount = 0;
  scanTree(tree, { includes: DEFAULT_INCLUDES });
  await timed(findArgs, tree);
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    foundCount = scanTree(tree, { includes: DEFAULT_INCLUDES }).length;
    scanMs.push(performance.now() - t);
    findMs.push(await timed(findArgs, tree));
  }
  results.scan_ms = median(scanMs);
  results.find_ms = median(findMs);
  results.scan_found = foundCount;

  // Keyed verification per file.
  const policyFile = validateTrustPolicy(
    { publishers: [publisher] },
    "/bench",
    "00".repeat(32),
  );
  const policy = mergeTrustPolicies(policyFile, null, "/nonexistent");
  const files = scanTree(tree, { includes: DEFAULT_INCLUDES });
  const verifier = new TrustVerifier(policy);
  for (const f of files) {
    const v = await verifier.verify(f);
    if (v.status !== "verified") {
      throw new Error(`bench file did not verify: ${v.name}: ${v.reason}`);
    }
  }
  const keyedMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    for (const f of files) await verifier.verify(f);
    keyedMs.push((performance.now() - t) / files.length);
  }
  results.keyed_ms_per_file = median(keyedMs);

  // Keyless verification: module load, first bundle, then per bundle.
  const loadStart = performance.now();
  const { verifyKeyless } = await import("../src/trust/keyless.ts");
  results.keyless_load_ms = performance.now() - loadStart;
  const bundles: [unknown, Uint8Array | undefined][] = [];
  for (const e of Deno.readDirSync(fixtures)) {
    if (!e.name.includes(".sigstore") || e.name.startsWith("LICENSE")) continue;
    const json = JSON.parse(Deno.readTextFileSync(new URL(e.name, fixtures)));
    const artifact = e.name.startsWith("rekor-v2")
      ? Deno.readFileSync(new URL("rekor-v2-message-signature.artifact", fixtures))
      : undefined;
    bundles.push([json, artifact]);
  }
  const firstStart = performance.now();
  verifyKeyless(bundles[0]![0], bundles[0]![1] ? { artifact: bundles[0]![1] } : {});
  results.keyless_first_ms = performance.now() - firstStart;
  const keylessMs: number[] = [];
  for (let i = 0; i < Math.max(3, Math.floor(runs / 4)); i++) {
    for (const [json, artifact] of bundles) {
      const t = performance.now();
      verifyKeyless(json, artifact ? { artifact } : {});
      keylessMs.push(performance.now() - t);
    }
  }
  results.keyless_ms_per_file = median(keylessMs);
  results.keyless_bundles = bundles.length;

  // The whole trust step on airlock run -- /bin/true.
  // A different HOME would also move Deno's own cache (~/.cache/deno): keep the caller's.
  const info = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
  }).output();
  const denoDir = JSON.parse(new TextDecoder().decode(info.stdout)).denoDir as string;
  const home = `${root}/home`;
  const env = {
    HOME: home,
    XDG_CONFIG_HOME: `${home}/.config`,
    XDG_STATE_HOME: `${home}/.local/state`,
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    DENO_DIR: denoDir,
  };
  const plain = `${root}/plain`;
  const signedRepo = `${root}/signed`;
  Deno.mkdirSync(plain, { recursive: true });
  Deno.writeTextFileSync(`${plain}/main.ts`, "x");
  await buildTree(signedRepo, 50, 5);
  const noPolicyHome = {
    ...env,
    HOME: `${root}/home-empty`,
    XDG_CONFIG_HOME: `${root}/home-empty/.config`,
    XDG_STATE_HOME: `${root}/home-empty/.local/state`,
  };
  Deno.mkdirSync(`${root}/home-empty`, { recursive: true });
  Deno.mkdirSync(`${home}/.config/airlock`, { recursive: true });
  Deno.writeTextFileSync(
    `${home}/.config/airlock/trust-policy.json`,
    JSON.stringify({ enforcement: "deny", publishers: [publisher] }),
  );
  const airlock = [
    Deno.execPath(),
    "run",
    "-A",
    `${repo}main.ts`,
    "run",
    "--net",
    "none",
    "--",
    "/bin/true",
  ];
  const launchCases: [string, string[], string, Record<string, string>][] = [
    ["no policy, no instruction file", airlock, plain, noPolicyHome],
    ["deny policy, 5 signed files", airlock, signedRepo, env],
  ];
  if (values.baseline) {
    const base = [...airlock];
    base[3] = `${values.baseline.replace(/\/+$/, "")}/main.ts`;
    launchCases.push(["baseline checkout, no policy, no file", base, plain, noPolicyHome]);
  }
  const samples = launchCases.map(() => [] as number[]);
  for (const [, cmd, cwd, e] of launchCases) await timed(cmd, cwd, e);
  for (let i = 0; i < runs; i++) {
    for (const [j, [, cmd, cwd, e]] of launchCases.entries()) {
      samples[j]!.push(await timed(cmd, cwd, e));
    }
  }
  results.launch_plain_ms = median(samples[0]!);
  results.launch_trust_ms = median(samples[1]!);
  if (values.baseline) results.launch_baseline_ms = median(samples[2]!);

  // The trust step alone, in a fresh process each time (module loading included): what it
  // adds once every launch is supervised (issue 9), separately from the supervision itself.
  const probe = `${root}/probe.ts`;
  Deno.writeTextFileSync(
    probe,
    `const t = performance.now();
const { trustGate } = await import(${JSON.stringify(`${repo}src/trust/run_gate.ts`)});
const trust = await trustGate({ root: Deno.args[0], argv: ["/bin/true"] });
await trust?.settle();
await trust?.afterExit(0);
console.log(performance.now() - t);`,
  );
  const step = async (cwd: string, e: Record<string, string>) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", probe, cwd],
      env: e,
      stdout: "piped",
      stderr: "null",
    }).output();
    return Number(new TextDecoder().decode(out.stdout));
  };
  const stepPlain: number[] = [];
  const stepTrust: number[] = [];
  await step(plain, noPolicyHome);
  await step(signedRepo, env);
  for (let i = 0; i < runs; i++) {
    stepPlain.push(await step(plain, noPolicyHome));
    stepTrust.push(await step(signedRepo, env));
  }
  results.step_plain_ms = median(stepPlain);
  results.step_trust_ms = median(stepTrust);
} finally {
  await Deno.remove(root, { recursive: true });
}

const scanRatio = results.scan_ms! / results.find_ms!;
const launchRatio = results.launch_trust_ms! / results.launch_plain_ms!;
if (values.json) {
  console.log(
    JSON.stringify({
      runs,
      ...results,
      scan_over_find: scanRatio,
      trust_launch_over_plain: launchRatio,
    }),
  );
} else {
  const goal = (ok: boolean) => (ok ? "met" : "NOT met");
  console.log(`trust benchmark, ${runs} runs, medians`);
  console.log(
    `  scan 20,000 files (${results.scan_found} found)  ${results.scan_ms!.toFixed(1)} ms   find ${
      results.find_ms!.toFixed(1)
    } ms   ${scanRatio.toFixed(2)}× (goal ≤ 2×: ${goal(scanRatio <= 2)})`,
  );
  console.log(
    `  keyed verify                    ${
      results.keyed_ms_per_file!.toFixed(3)
    } ms/file (goal ≤ 2 ms: ${goal(results.keyed_ms_per_file! <= 2)})`,
  );
  console.log(
    `  keyless verify (${results.keyless_bundles} bundles)     ${
      results.keyless_ms_per_file!.toFixed(1)
    } ms/file after the first (goal ≤ 20 ms: ${goal(results.keyless_ms_per_file! <= 20)}); first ${
      results.keyless_first_ms!.toFixed(1)
    } ms, module load ${results.keyless_load_ms!.toFixed(1)} ms`,
  );
  console.log(
    `  airlock run -- /bin/true        ${
      results.launch_plain_ms!.toFixed(1)
    } ms (no policy, no files)   ${results.launch_trust_ms!.toFixed(1)} ms (deny, 5 signed)   +${
      ((launchRatio - 1) * 100).toFixed(1)
    } % (goal ≤ 10 %: ${goal(launchRatio <= 1.1)})`,
  );
  if (results.launch_baseline_ms !== undefined) {
    const extra = 100 * (results.launch_plain_ms! / results.launch_baseline_ms - 1);
    console.log(
      `  baseline checkout (no trust step) ${
        results.launch_baseline_ms.toFixed(1)
      } ms: with nothing to verify the step costs ${extra.toFixed(1)} %`,
    );
  }
  console.log(
    `  trust step alone, in sequence    ${
      results.step_plain_ms!.toFixed(1)
    } ms (nothing to verify)   ${results.step_trust_ms!.toFixed(1)} ms (deny, 5 signed) = ${
      (100 * results.step_trust_ms! / results.launch_plain_ms!).toFixed(1)
    } % of the plain launch`,
  );
}
