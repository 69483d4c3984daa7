/**
 * Test helpers for the rollback layer: throw-away directories outside every grant of the
 * default profile (under /var/tmp: the profile grants $TMPDIR), a small repository-like
 * tree, and a hash listing of a tree (path, type, mode, content hash or link target)
 * read with `lstat` only, to compare trees.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { REPO, runCli } from "../_cli.ts";
import type { CliResult } from "../_cli.ts";

export { REPO };

/** The directories of one test. */
export interface RollbackDirs extends AsyncDisposable {
  /** The root of everything (removed on dispose). */
  root: string;
  /** The workdir. */
  work: string;
  /** `XDG_STATE_HOME` (outside every grant). */
  state: string;
  /** A directory outside the workdir and every grant. */
  outside: string;
  /** `HOME`. */
  home: string;
  /** The environment for the CLI. */
  env: Record<string, string>;
}

/**
 * Creates the directories and a small tree with a git-like `.git`.
 *
 * @returns The directories.
 */
export async function rollbackDirs(): Promise<RollbackDirs> {
  const root = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "airlock-rollback-" });
  const d: RollbackDirs = {
    root,
    work: `${root}/work`,
    state: `${root}/state`,
    outside: `${root}/outside`,
    home: `${root}/home`,
    env: {},
    async [Symbol.asyncDispose]() {
      await Deno.chmod(root, 0o755).catch(() => {});
      await new Deno.Command("chmod", { args: ["-R", "u+rwX", root] }).output();
      await Deno.remove(root, { recursive: true });
    },
  };
  for (const dir of [d.work, d.state, d.outside, d.home]) await Deno.mkdir(dir);
  d.env = { HOME: d.home, XDG_STATE_HOME: d.state };
  await Deno.writeTextFile(`${d.outside}/target.txt`, "outside, must never change\n");
  await writeTree(d.work, {
    "README.md": "# project\n",
    "src/main.ts": "export const x = 1;\n",
    "src/lib/util.ts": "export function f() { return 2; }\n",
    "src/lib/data.bin": new Uint8Array([0, 1, 2, 3, 255]),
    "docs/guide.md": "guide\n",
    "scripts/run.sh": "#!/bin/sh\necho run\n",
    ".gitignore": "*.log\nbuild/\n",
    ".git/config": "[core]\n\trepositoryformatversion = 0\n",
    ".git/HEAD": "ref: refs/heads/main\n",
    ".git/hooks/pre-commit.sample": "#!/bin/sh\n",
    "empty/.keep": "",
  });
  await Deno.mkdir(`${d.work}/empty-dir`);
  await Deno.chmod(`${d.work}/scripts/run.sh`, 0o755);
  await Deno.chmod(`${d.work}/README.md`, 0o664); // a mode the umask would change
  await Deno.chmod(`${d.work}/src/lib/data.bin`, 0o600);
  await Deno.symlink("src/main.ts", `${d.work}/main-link`);
  return d;
}

/**
 * Writes files (parents created).
 *
 * @param dir The base directory.
 * @param files Relative path → content.
 */
export async function writeTree(
  dir: string,
  files: Record<string, string | Uint8Array>,
): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const abs = `${dir}/${path}`;
    await Deno.mkdir(abs.slice(0, abs.lastIndexOf("/")), { recursive: true });
    if (typeof content === "string") await Deno.writeTextFile(abs, content);
    else await Deno.writeFile(abs, content);
  }
}

/**
 * Lists a tree: one line per path with type, mode and content hash (links: target),
 * never following a link. Paths matching `skip` are left out (with what lies beneath).
 *
 * @param dir The tree.
 * @param skip Relative paths to leave out.
 * @returns Sorted lines.
 */
export function hashListing(dir: string, skip: RegExp = /^$/): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const abs = rel === "" ? dir : `${dir}/${rel}`;
    const info = Deno.lstatSync(abs);
    const mode = ((info.mode ?? 0) & 0o7777).toString(8);
    if (info.isSymlink) out.push(`l ${rel} -> ${Deno.readLinkSync(abs)}`);
    else if (info.isFile) {
      const hash = createHash("sha256").update(Deno.readFileSync(abs)).digest("hex");
      out.push(`f ${mode} ${rel} ${hash}`);
    } else if (info.isDirectory) {
      out.push(`d ${mode} ${rel}`);
      for (const e of Deno.readDirSync(abs)) {
        const child = rel === "" ? e.name : `${rel}/${e.name}`;
        if (!skip.test(child)) walk(child);
      }
    }
  };
  walk("");
  return out.sort();
}

/**
 * Runs the CLI in the workdir with the test's state directory.
 *
 * @param d The directories.
 * @param args The CLI arguments.
 * @param cwd The working directory (default: the workdir).
 * @returns The result.
 */
export function cli(d: RollbackDirs, args: string[], cwd = d.work): Promise<CliResult> {
  return runCli(args, { cwd, env: d.env });
}

/**
 * The snapshot id a run printed (`airlock: rollback snapshot ID: …`).
 *
 * @param stderr The run's stderr.
 * @returns The id.
 * @throws {Error} When there is none.
 */
export function snapshotIdOf(stderr: string): string {
  const m = /rollback snapshot (\d{8}T\d{6}Z-[0-9a-f]{6})/.exec(stderr);
  if (m === null) throw new Error(`no snapshot id in: ${stderr}`);
  return m[1]!;
}
