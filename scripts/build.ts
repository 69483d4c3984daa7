/**
 * The release build, and the one place that knows what a compiled airlock embeds.
 *
 * `deno compile` embeds the module graph of `main.ts` plus everything under each
 * `--include` (and, for included modules, their own module graphs, npm packages included).
 * airlock loads most of its modules through computed URLs (`src/lazy_import.ts`) and reads
 * data files beside its code (`new URL(…, import.meta.url)`: built-in profiles, JSON
 * Schemas, the vendored Sigstore trusted root, the bundles, the bridge entry), none of
 * which `main.ts`'s graph reaches — so {@linkcode INCLUDES} must cover them. The compile
 * tasks, the release workflow and `tests/scripts/embedded_set_test.ts` (which lays this set
 * out in an empty directory and runs the CLI from there) all use this file.
 *
 * ```sh
 * deno run -A scripts/build.ts compile x86_64-linux   # bundles, build info, deno compile
 * deno run -A scripts/build.ts list                   # the embedded files, one a line
 * deno run -A scripts/build.ts layout DIR             # the embedded files laid out in DIR
 * deno run -A scripts/build.ts archive VERSION DIR    # dist/airlock-*  → tarballs + SHA256SUMS
 * ```
 *
 * @module
 */

import { buildBundles, BUNDLES } from "./build_bundles.ts";
import { VERSION } from "../src/version.ts";

/** The repository root. */
const ROOT = new URL("../", import.meta.url);

/** The entry point. */
export const ENTRY = "main.ts";

/** What `--include` adds: directories (trailing slash) or files, from the root. */
export const INCLUDES: readonly string[] = ["policies/", "src/"];

/** V8 flags baked into the binaries (the proxy's memory with many streams). */
export const V8_FLAGS = "--max-semi-space-size=2,--memory-saver-mode";

/** The release targets: our name → Deno's target triple. */
export const TARGETS: Readonly<Record<string, string>> = {
  "x86_64-linux": "x86_64-unknown-linux-gnu",
  "aarch64-linux": "aarch64-unknown-linux-gnu",
  "x86_64-macos": "x86_64-apple-darwin",
  "aarch64-macos": "aarch64-apple-darwin",
};

/** Written beside the sources before compiling; `src/build_info.ts` reads it. */
export const BUILD_INFO = "src/build_info.json";

/** The files a compiled binary embeds. */
export interface EmbeddedSet {
  /** Local files, relative to the root, sorted. */
  files: string[];
  /** npm packages (`name@version`), resolved through `deno.json`'s imports. */
  npm: string[];
}

/**
 * The `deno compile` arguments for one target.
 *
 * @param target A key of {@linkcode TARGETS}.
 * @param output The binary's path.
 * @returns The arguments after `deno`.
 * @throws {Error} On an unknown target.
 * @example
 * ```ts
 * import { compileArgs } from "./build.ts";
 * const args = compileArgs("x86_64-linux", "dist/airlock");
 * console.assert(args.includes("--include") && args.at(-1) === "main.ts");
 * ```
 */
export function compileArgs(target: string, output: string): string[] {
  const triple = TARGETS[target];
  if (triple === undefined) {
    throw new Error(
      `Cannot compile for "${target}": known targets are ${Object.keys(TARGETS).join(", ")}`,
    );
  }
  return [
    "compile",
    "-A",
    `--v8-flags=${V8_FLAGS}`,
    ...INCLUDES.flatMap((path) => ["--include", path]),
    "--target",
    triple,
    "-o",
    output,
    ENTRY,
  ];
}

function isModule(path: string): boolean {
  return /\.(ts|js|mjs|mts|tsx|jsx)$/.test(path) && !path.endsWith(".d.ts");
}

async function walk(dir: URL, prefix: string, out: string[]): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory) await walk(new URL(`${entry.name}/`, dir), `${path}/`, out);
    else if (entry.isFile) out.push(path);
  }
}

/** Build output, made per build (bundles, build info): never taken from the tree. */
const GENERATED = new Set([...BUNDLES.map((b) => b.output), BUILD_INFO]);

/** Files under the includes, without build output. */
async function includedFiles(): Promise<string[]> {
  const files: string[] = [];
  for (const include of INCLUDES) {
    if (include.endsWith("/")) await walk(new URL(include, ROOT), include, files);
    else files.push(include);
  }
  return files.filter((f) => !GENERATED.has(f) && !f.endsWith(".tmp"));
}

/**
 * Computes the embedded set: every file under {@linkcode INCLUDES} plus the module graphs
 * of the entry and of every included module (`deno info --json` on one root importing
 * them all), as `deno compile` builds it. Bundles and build info are left out: each build
 * makes them ({@linkcode layout}, `compile`).
 *
 * Requires `--allow-read`, `--allow-write` (a temporary root) and `--allow-run`.
 *
 * @returns The local files and npm packages.
 * @throws {Error} When `deno info` fails.
 */
export async function embeddedSet(): Promise<EmbeddedSet> {
  const included = await includedFiles();
  const roots = [ENTRY, ...included.filter(isModule)];
  const dir = await Deno.makeTempDir({ prefix: "airlock-graph-" });
  try {
    const root = `${dir}/root.ts`;
    await Deno.writeTextFile(
      root,
      roots.map((r) => `import ${JSON.stringify(new URL(r, ROOT).href)};\n`).join(""),
    );
    const result = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--config", new URL("deno.json", ROOT).pathname, root],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!result.success) {
      throw new Error(`Cannot list the module graph: ${new TextDecoder().decode(result.stderr)}`);
    }
    const info = JSON.parse(new TextDecoder().decode(result.stdout)) as {
      modules: { specifier: string }[];
    };
    const files = new Set(included);
    const npm = new Set<string>();
    for (const { specifier } of info.modules) {
      if (specifier.startsWith(ROOT.href)) {
        const path = decodeURIComponent(specifier.slice(ROOT.href.length));
        if (!GENERATED.has(path)) files.add(path);
      } else if (specifier.startsWith("npm:/")) {
        npm.add(/^npm:\/((?:@[^/]+\/)?[^/@]+@[^/]+)/.exec(specifier)?.[1] ?? specifier);
      }
    }
    return { files: [...files].sort(), npm: [...npm].sort() };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * The import map a compiled binary resolves bare specifiers with (`deno.json`'s
 * `imports`, which `deno compile` embeds).
 *
 * Requires `--allow-read`.
 *
 * @returns The import map object.
 */
export async function importMap(): Promise<{ imports: Record<string, string> }> {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  return { imports: config.imports ?? {} };
}

/** What {@linkcode buildInfo} records. */
export interface BuildInfo {
  /** The release version. */
  version: string;
  /** The commit built (short hash), or `unknown`. */
  commit: string;
}

/**
 * The build information of this tree: the version and the commit (`GITHUB_SHA` in CI,
 * else `git rev-parse`).
 *
 * Requires `--allow-env` and `--allow-run`.
 *
 * @returns The information written to {@linkcode BUILD_INFO}.
 */
export async function buildInfo(): Promise<BuildInfo> {
  let commit = Deno.env.get("GITHUB_SHA")?.slice(0, 12) ?? "";
  if (!commit) {
    try {
      const out = await new Deno.Command("git", {
        args: ["rev-parse", "--short=12", "HEAD"],
        cwd: ROOT,
        stdout: "piped",
        stderr: "null",
      }).output();
      if (out.success) commit = new TextDecoder().decode(out.stdout).trim();
    } catch { /* no git */ }
  }
  return { version: VERSION, commit: commit || "unknown" };
}

/**
 * Lays the embedded set out in `dir`, as the binary's file system would hold it: the
 * files (mtimes kept), fresh bundles (unless `bundles` is false) and the build info.
 * Nothing else — no `deno.json`, no `node_modules`.
 *
 * Requires `--allow-read`, `--allow-write`, `--allow-run` and `--allow-env`.
 *
 * @param dir An empty directory.
 * @param options `bundles`: build the bundles into the layout (default true).
 * @returns The embedded set laid out.
 */
export async function layout(
  dir: string,
  options: { bundles?: boolean } = {},
): Promise<EmbeddedSet> {
  const set = await embeddedSet();
  const into = new URL(`file://${dir.replace(/\/?$/, "/")}`);
  for (const file of set.files) {
    const from = new URL(file, ROOT);
    const to = new URL(file, into);
    await Deno.mkdir(new URL(".", to), { recursive: true });
    await Deno.copyFile(from, to);
    const info = await Deno.stat(from);
    if (info.atime && info.mtime) await Deno.utime(to, info.atime, info.mtime);
  }
  if (options.bundles ?? true) await buildBundles({ into });
  await Deno.writeTextFile(new URL(BUILD_INFO, into), JSON.stringify(await buildInfo()) + "\n");
  return set;
}

async function run(cmd: string, args: string[]): Promise<void> {
  const status = await new Deno.Command(cmd, { args, cwd: ROOT }).spawn().status;
  if (!status.success) throw new Error(`Cannot build: ${cmd} ${args.join(" ")} failed`);
}

/**
 * Compiles one target into `dist/airlock-TARGET`: fresh bundles, the build info, then
 * `deno compile` (which downloads the target's runtime: needs the network).
 *
 * Requires `-A`.
 *
 * @param target A key of {@linkcode TARGETS}.
 * @returns The binary's path, from the root.
 */
export async function compile(target: string): Promise<string> {
  const output = `dist/airlock-${target}`;
  const args = compileArgs(target, output);
  await buildBundles();
  const info = new URL(BUILD_INFO, ROOT);
  await Deno.writeTextFile(info, JSON.stringify(await buildInfo()) + "\n");
  try {
    await run(Deno.execPath(), args);
  } finally {
    // Only the binary carries it: a source checkout reads its commit from git.
    await Deno.remove(info).catch(() => {});
  }
  return output;
}

/**
 * Packs each `DIR/airlock-TARGET` binary into `DIR/airlock-VERSION-TARGET.tar.gz` (one
 * top directory holding `airlock`, `README.md` and `LICENSE`; GNU tar, sorted, owner 0,
 * fixed mtime) and writes `DIR/SHA256SUMS` for the archives.
 *
 * Requires `--allow-read`, `--allow-write` and `--allow-run` (GNU `tar`, `sha256sum`).
 *
 * @param version The version (must equal `src/version.ts`, unless `options.anyVersion`).
 * @param dir The directory holding the binaries.
 * @param options `docs`: the directory holding `README.md` and `LICENSE` (default: the
 *   repository); `anyVersion`: skip the version check (tests).
 * @returns The archive names.
 * @throws {Error} On a version mismatch, a missing binary or file.
 */
export async function archive(
  version: string,
  dir: string,
  options: { docs?: string; anyVersion?: boolean } = {},
): Promise<string[]> {
  if (version !== VERSION && !options.anyVersion) {
    throw new Error(`Cannot archive ${version}: src/version.ts says ${VERSION}`);
  }
  const docs = options.docs === undefined ? ROOT : new URL(`file://${options.docs}/`);
  for (const doc of ["README.md", "LICENSE"]) {
    try {
      await Deno.stat(new URL(doc, docs));
    } catch {
      throw new Error(`Cannot archive ${version}: ${doc} is missing (every archive carries it)`);
    }
  }
  const names: string[] = [];
  for (const target of Object.keys(TARGETS)) {
    const stage = await Deno.makeTempDir({ prefix: "airlock-archive-" });
    const top = `airlock-${version}-${target}`;
    try {
      await Deno.mkdir(`${stage}/${top}`);
      await Deno.copyFile(`${dir}/airlock-${target}`, `${stage}/${top}/airlock`);
      await Deno.chmod(`${stage}/${top}/airlock`, 0o755);
      for (const doc of ["README.md", "LICENSE"]) {
        await Deno.copyFile(new URL(doc, docs), `${stage}/${top}/${doc}`);
      }
      const tarball = `${top}.tar.gz`;
      await run("tar", [
        "--sort=name",
        "--owner=0",
        "--group=0",
        "--numeric-owner",
        "--mtime=@0",
        "-czf",
        `${Deno.realPathSync(dir)}/${tarball}`,
        "-C",
        stage,
        top,
      ]);
      names.push(tarball);
    } finally {
      await Deno.remove(stage, { recursive: true });
    }
  }
  const sums = await new Deno.Command("sha256sum", { args: names, cwd: dir, stdout: "piped" })
    .output();
  if (!sums.success) throw new Error("Cannot write SHA256SUMS: sha256sum failed");
  await Deno.writeFile(`${dir}/SHA256SUMS`, sums.stdout);
  return names;
}

async function cli(command: string | undefined, rest: string[]): Promise<void> {
  if (command === "compile") {
    const targets = rest[0] === "all" ? Object.keys(TARGETS) : rest;
    for (const target of targets) console.log(`built ${await compile(target)}`);
  } else if (command === "list") {
    const set = await embeddedSet();
    for (const file of set.files) console.log(file);
    for (const pkg of set.npm) console.log(`npm:${pkg}`);
  } else if (command === "layout" && rest[0]) {
    const set = await layout(rest[0]);
    console.log(`laid out ${set.files.length} files in ${rest[0]}`);
  } else if (command === "archive" && rest[0] && rest[1]) {
    for (const name of await archive(rest[0], rest[1])) console.log(`packed ${name}`);
  } else {
    console.error(
      "usage: deno run -A scripts/build.ts compile TARGET…|all | list | layout DIR | archive VERSION DIR",
    );
    Deno.exit(2);
  }
}

if (import.meta.main) {
  try {
    await cli(Deno.args[0], Deno.args.slice(1));
  } catch (err) {
    console.error(`build: ${err instanceof Error ? err.message : err}`);
    Deno.exit(1);
  }
}
