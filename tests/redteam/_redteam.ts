/**
 * Shared helpers of the red-team tests: a fresh tree per case (workdir, HOME, state
 * directory under /var/tmp, outside every default grant), `airlock run` through the real
 * CLI with that HOME and state directory, and small builders for confined Python and shell
 * attacks. Every attack prints `ESCAPED …` when it works; a test asserts it did not.
 *
 * @module
 */

import { ok } from "node:assert/strict";
import { type CliResult, runCli } from "../_cli.ts";

/** Runs only where the sandbox is Linux's. */
export const linuxOnly = { ignore: Deno.build.os !== "linux" };

/** Runs only as root on Linux (the case needs mounts or a second user). */
export const rootOnly = { ignore: Deno.build.os !== "linux" || Deno.uid() !== 0 };

/** The system Python. */
export const PY = "/usr/bin/python3";

/** The uid/gid of the second local user the cases play (nobody). */
export const NOBODY = 65534;

/** A case's directories, removed on dispose. */
export interface Tree extends AsyncDisposable {
  /** The case's root (real path). */
  root: string;
  /** The workdir. */
  work: string;
  /** HOME. */
  home: string;
  /** XDG_STATE_HOME. */
  state: string;
  /** Cleanups run on dispose, last first (unmounts, killed helpers). */
  defer(fn: () => Promise<void> | void): void;
}

/**
 * Makes a case's tree under /var/tmp.
 *
 * @param name A short name for the directory.
 * @returns The tree.
 */
export async function tree(name: string): Promise<Tree> {
  const root = await Deno.realPath(
    await Deno.makeTempDir({ dir: "/var/tmp", prefix: `airlock-redteam-${name}-` }),
  );
  const cleanups: (() => Promise<void> | void)[] = [];
  const t: Tree = {
    root,
    work: `${root}/work`,
    home: `${root}/home`,
    state: `${root}/home/.local/state`,
    defer: (fn) => cleanups.push(fn),
    async [Symbol.asyncDispose]() {
      for (const fn of cleanups.reverse()) {
        try {
          await fn();
        } catch {
          // keep cleaning
        }
      }
      await Deno.remove(root, { recursive: true }).catch(() => {});
    },
  };
  for (const dir of [t.work, t.state]) await Deno.mkdir(dir, { recursive: true });
  return t;
}

/**
 * `airlock run [flags] -- /bin/sh -c SCRIPT` in the tree's workdir (or `cwd`), with the
 * tree's HOME and state directory.
 *
 * @param t The tree.
 * @param script The confined shell script.
 * @param flags airlock flags before `--`.
 * @param env Extra variables for airlock.
 * @param cwd Where to run (default: the workdir).
 * @returns The CLI's result.
 */
export function airlock(
  t: Tree,
  script: string,
  flags: string[] = [],
  env: Record<string, string> = {},
  cwd: string = t.work,
): Promise<CliResult> {
  return runCli(["run", ...flags, "--", "/bin/sh", "-c", script], {
    cwd,
    env: { HOME: t.home, XDG_STATE_HOME: t.state, ...env },
  });
}

/**
 * A Python program as a shell word.
 *
 * @param code The program.
 * @returns `python3 -c '…'`, quoted.
 */
export function py(code: string): string {
  return `${PY} -c '${code.replaceAll("'", `'"'"'`)}'`;
}

/**
 * `( attack ) && echo ESCAPED what`.
 *
 * @param attack A shell command that succeeds only when the attack works.
 * @param what What got out.
 * @returns The script.
 */
export function escaped(attack: string, what: string): string {
  return `( ${attack} ) 2>/dev/null && echo "ESCAPED ${what}"; true`;
}

/**
 * Asserts a run neither escaped nor failed to set up.
 *
 * @param out The run's result.
 */
export function assertHeld(out: CliResult): void {
  ok(!out.stdout.includes("ESCAPED"), `${out.stdout}\n${out.stderr}`);
  ok(!out.stderr.includes("airlock: Cannot"), `airlock failed: ${out.stderr}`);
}

/**
 * Runs a host command and requires it to succeed.
 *
 * @param program The program.
 * @param args Its arguments.
 * @returns Its standard output.
 */
export async function host(program: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command(program, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder();
  if (!out.success) {
    throw new Error(`${program} ${args.join(" ")}: ${text.decode(out.stderr)}`);
  }
  return text.decode(out.stdout);
}

/**
 * Mounts a filesystem on the host (root only) and unmounts it when the tree goes.
 *
 * @param t The tree.
 * @param args `mount` arguments; the last one is the mount point.
 */
export async function hostMount(t: Tree, ...args: string[]): Promise<void> {
  const target = args.at(-1)!;
  await Deno.mkdir(target, { recursive: true });
  await host("/usr/bin/mount", ...args);
  t.defer(() => host("/usr/bin/umount", "-l", target).then(() => {}));
}

/**
 * Starts a Python program as another local user (nobody) and waits for its `ready` line.
 *
 * @param t The tree (the program is killed when it goes).
 * @param code The program; it prints `ready` once set up, then reports on stdout.
 * @returns A function that stops it and returns everything it printed.
 */
export async function asNobody(t: Tree, code: string): Promise<() => Promise<string>> {
  const child = new Deno.Command("/usr/bin/setpriv", {
    args: [
      `--reuid=${NOBODY}`,
      `--regid=${NOBODY}`,
      "--clear-groups",
      "--",
      PY,
      "-u",
      "-c",
      code,
    ],
    stdout: "piped",
    stderr: "piped",
    env: { PATH: "/usr/bin:/bin" },
    clearEnv: true,
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("ready\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the second user's program ended: ${text}`);
    text += value;
  }
  let stopped: Promise<string> | null = null;
  const stop = () => {
    stopped ??= (async () => {
      try {
        child.kill("SIGKILL");
      } catch {
        // gone
      }
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      await child.status;
      await child.stderr.cancel();
      return text;
    })();
    return stopped;
  };
  t.defer(() => stop().then(() => {}));
  return stop;
}
