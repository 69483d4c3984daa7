/**
 * Builds the single-file bundles that keep `airlock run` fast under `deno run`:
 *
 * - `src/sandbox/exec_helper.bundle.js`: the exec helper, started on every supervised
 *   launch (one pre-bundled file starts ≈ 7 ms faster than the TypeScript module graph);
 * - `src/bridge/inside_main.bundle.js`: the network bridge, started by the helper on every
 *   launch with a proxy or forwarded ports, for the same reason;
 * - `src/cli/arg.bundle.js`: the `arg` argument parser for the fast `run` path (an `npm:`
 *   import at run time would start Deno's npm resolver, ≈ 30 ms);
 * - `src/cli/fast_run.bundle.js`: the fast `run` path itself (flags, policy, sandbox,
 *   in-place exec) as one file: loading ~40 TypeScript modules costs ≈ 9 ms per launch.
 *   What it loads lazily (dry run, proxy, supervised launcher, user profiles) stays in
 *   source modules; see `src/lazy_import.ts` for the two rules that keeps working;
 * - `src/trust/session.bundle.js`: the trust step (policies, verification, audit, with
 *   `@noble/hashes` inside), loaded by a launch only when there are instruction files or
 *   a trust policy: ≈ 3 ms faster than its ~15 modules and no npm resolver.
 *
 * They are build output, ignored by git: `scripts/setup.sh` and the release build
 * (`scripts/build.ts`) make them. Each one's header lists its inputs (path, size, mtime,
 * content hash): a launch uses a bundle only while every input is unchanged, and loads
 * the modules it was built from otherwise (`src/bundles.ts`).
 *
 * ```sh
 * deno run -A scripts/build_bundles.ts             # rebuild all of them
 * deno run -A scripts/build_bundles.ts --if-stale  # only those that are missing or stale
 * ```
 *
 * @module
 */

import {
  BUNDLE_INPUTS_TAG,
  type BundleInput,
  bundleStatus,
  contentHash,
  HEADER_LIMIT,
} from "../src/bundles.ts";

/** One bundle: its entry point, its output and whether it needs `deno.json` (npm imports). */
export interface BundleSpec {
  /** Entry module, relative to the repository root. */
  entry: string;
  /** Output file, relative to the repository root. */
  output: string;
  /** True when the entry imports through `deno.json`'s import map. */
  useConfig: boolean;
  /** A `@ts-self-types` declaration file next to the output, if any. */
  types?: string;
}

/** The repository root. */
const ROOT = new URL("../", import.meta.url);

/** Every bundle, in build order (`fast_run` includes `arg.bundle.js`). */
export const BUNDLES: readonly BundleSpec[] = [
  {
    entry: "src/sandbox/exec_helper_entry.ts",
    output: "src/sandbox/exec_helper.bundle.js",
    useConfig: false,
  },
  {
    entry: "src/bridge/inside_main.ts",
    output: "src/bridge/inside_main.bundle.js",
    useConfig: false,
  },
  {
    entry: "src/cli/arg_entry.ts",
    output: "src/cli/arg.bundle.js",
    useConfig: true,
    types: "./arg.bundle.d.ts",
  },
  {
    entry: "src/cli/fast_run.ts",
    output: "src/cli/fast_run.bundle.js",
    useConfig: false,
  },
  {
    entry: "src/trust/session.ts",
    output: "src/trust/session.bundle.js",
    useConfig: true,
  },
];

/**
 * The URL of a bundle's output file.
 *
 * @param spec The bundle.
 * @returns Its absolute file URL.
 */
export function bundleUrl(spec: BundleSpec): URL {
  return new URL(spec.output, ROOT);
}

/** What a bundle was built from: its local modules and npm packages. */
export interface BundleSources {
  /** Local modules, relative to the repository root (`src/cli/fast_run.ts`). */
  files: string[];
  /** npm packages, `name@version`. */
  npm: string[];
}

/**
 * Lists the modules one bundle is built from (its entry's static module graph, from
 * `deno info --json`).
 *
 * Requires `--allow-run` and `--allow-read`.
 *
 * @param spec The bundle.
 * @returns Local files and npm packages.
 * @throws {Error} When `deno info` fails.
 */
export async function bundleSources(spec: BundleSpec): Promise<BundleSources> {
  const args = ["info", "--json", spec.entry];
  if (!spec.useConfig) args.splice(2, 0, "--no-config");
  const result = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!result.success) {
    throw new Error(
      `Cannot list the inputs of ${spec.entry}: ${new TextDecoder().decode(result.stderr).trim()}`,
    );
  }
  const info = JSON.parse(new TextDecoder().decode(result.stdout)) as {
    modules: { specifier: string }[];
  };
  const root = ROOT.href;
  const files = info.modules.map((m) => m.specifier)
    .filter((s) => s.startsWith(root))
    .map((s) => decodeURIComponent(s.slice(root.length)))
    .sort();
  // `npm:/name@version/path` for each npm module the graph reaches.
  const npm = info.modules.map((m) => m.specifier).filter((s) => s.startsWith("npm:/"))
    .map((s) => /^npm:\/((?:@[^/]+\/)?[^/@]+@[^/]+)/.exec(s)?.[1] ?? s);
  return { files, npm: [...new Set(npm)].sort() };
}

/**
 * The inputs header of a bundle: each local input's size, mtime and content hash.
 *
 * Requires `--allow-read`.
 *
 * @param files Local inputs, relative to `root`.
 * @param root The tree they are in (default: the repository).
 * @returns The entries `src/bundles.ts` checks.
 */
export function describeInputs(files: readonly string[], root: URL = ROOT): BundleInput[] {
  return files.map((path) => {
    const url = new URL(path, root);
    const info = Deno.statSync(url);
    return [path, info.size, info.mtime?.getTime() ?? 0, contentHash(Deno.readFileSync(url))];
  });
}

/**
 * Bundles one entry with `deno bundle`, run from the repository root so the path comments
 * in the output are stable, and heads it with its inputs.
 *
 * Requires `--allow-run`, `--allow-read` and `--allow-write` (a temporary file).
 *
 * @param spec The bundle.
 * @returns The bundle's text, header included.
 * @throws {Error} When `deno bundle` fails.
 */
export async function buildBundle(spec: BundleSpec): Promise<string> {
  const sources = await bundleSources(spec);
  const out = await Deno.makeTempFile({ suffix: ".js" });
  try {
    const args = ["bundle", "--quiet", "-o", out, spec.entry];
    if (!spec.useConfig) args.splice(1, 0, "--no-config");
    const result = await new Deno.Command(Deno.execPath(), {
      args,
      cwd: ROOT,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!result.success) {
      throw new Error(
        `Cannot bundle ${spec.entry}: ${new TextDecoder().decode(result.stderr).trim()}`,
      );
    }
    const header = [
      "// deno-fmt-ignore-file",
      "// deno-lint-ignore-file",
      ...(spec.types ? [`// @ts-self-types="${spec.types}"`] : []),
      `// Generated by scripts/build_bundles.ts from ${spec.entry}: do not edit.`,
      ...(sources.npm.length > 0 ? [`// npm packages: ${sources.npm.join(", ")}`] : []),
      BUNDLE_INPUTS_TAG + JSON.stringify(describeInputs(sources.files)),
      "",
    ].join("\n");
    if (new TextEncoder().encode(header).length > HEADER_LIMIT) {
      throw new Error(
        `Cannot bundle ${spec.entry}: its inputs header exceeds ${HEADER_LIMIT} bytes`,
      );
    }
    return header + await Deno.readTextFile(out);
  } finally {
    await Deno.remove(out).catch(() => {});
  }
}

/**
 * Writes a file atomically (temporary file in the same directory, fsync, rename), so a
 * launch running meanwhile reads the old bundle or the new one, never half of one.
 *
 * Requires `--allow-write`.
 *
 * @param url The destination.
 * @param text The content.
 */
export async function writeAtomic(url: URL, text: string): Promise<void> {
  const tmp = new URL(`${url.href}.${crypto.randomUUID()}.tmp`);
  const file = await Deno.open(tmp, { write: true, createNew: true });
  try {
    await file.write(new TextEncoder().encode(text));
    await file.sync();
  } finally {
    file.close();
  }
  await Deno.rename(tmp, url);
}

/**
 * Builds every bundle into `into` (default: the repository), in order.
 *
 * Requires `--allow-run`, `--allow-read` and `--allow-write`.
 *
 * @param options `ifStale`: skip bundles that are fresh; `into`: a root to write the
 *   bundles under instead of the repository (a layout of the embedded set).
 * @returns The bundles written (their `output` paths).
 */
export async function buildBundles(
  options: { ifStale?: boolean; into?: URL } = {},
): Promise<string[]> {
  const written: string[] = [];
  for (const spec of BUNDLES) {
    const target = new URL(spec.output, options.into ?? ROOT);
    if (options.ifStale && bundleStatus(target, options.into ?? ROOT).fresh) continue;
    await writeAtomic(target, await buildBundle(spec));
    written.push(spec.output);
  }
  return written;
}

if (import.meta.main) {
  const ifStale = Deno.args.includes("--if-stale");
  const written = await buildBundles({ ifStale });
  for (const output of written) console.log(`wrote ${output}`);
  if (ifStale && written.length === 0) console.log("bundles are up to date");
}
