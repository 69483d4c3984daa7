/**
 * What this airlock is: version, commit, Deno version, target, and whether it runs as a
 * compiled binary or from source — for `airlock --version` and `airlock doctor`.
 *
 * The release build (`scripts/build.ts`) writes `src/build_info.json` beside this file
 * before `deno compile`, so a binary knows the commit it was built from. A source checkout
 * has no such file; its commit is read with `git` only when `--version` asks.
 *
 * @module
 */

import { VERSION } from "./version.ts";

/** This airlock's identity. */
export interface BuildInfo {
  /** The release version. */
  version: string;
  /** The commit built, `unknown` when neither the build info nor git says. */
  commit: string;
  /** The Deno runtime's version. */
  deno: string;
  /** The target triple (`x86_64-unknown-linux-gnu`). */
  target: string;
  /** True for a `deno compile` binary, false under `deno run`. */
  compiled: boolean;
  /** The executable: the binary, or the `deno` that runs `main.ts`. */
  executable: string;
  /** `main.ts` when run from source, else null. */
  source: string | null;
}

const BUILD_INFO_URL = new URL("./build_info.json", import.meta.url);
const MAIN_URL = new URL("../main.ts", import.meta.url);

function recordedCommit(): string | null {
  try {
    const info = JSON.parse(Deno.readTextFileSync(BUILD_INFO_URL)) as { commit?: unknown };
    return typeof info.commit === "string" ? info.commit : null;
  } catch {
    return null;
  }
}

function gitCommit(): string | null {
  if (MAIN_URL.protocol !== "file:") return null;
  const root = decodeURIComponent(new URL(".", MAIN_URL).pathname);
  try {
    Deno.statSync(`${root}.git`);
    const out = new Deno.Command("git", {
      args: ["-C", root, "rev-parse", "--short=12", "HEAD"],
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    return out.success ? new TextDecoder().decode(out.stdout).trim() || null : null;
  } catch {
    return null;
  }
}

/**
 * Describes this airlock.
 *
 * Requires `--allow-read`; `--allow-run` (git) for a source checkout's commit.
 *
 * @returns The build information.
 * @example
 * ```ts
 * import { buildInfo } from "./build_info.ts";
 * const info = buildInfo();
 * console.assert(info.deno === Deno.version.deno && typeof info.compiled === "boolean");
 * ```
 */
export function buildInfo(): BuildInfo {
  const compiled = Deno.build.standalone;
  return {
    version: VERSION,
    commit: recordedCommit() ?? (compiled ? null : gitCommit()) ?? "unknown",
    deno: Deno.version.deno,
    target: Deno.build.target,
    compiled,
    executable: Deno.execPath(),
    source: compiled ? null : decodeURIComponent(MAIN_URL.pathname),
  };
}

/**
 * The text of `airlock --version`: `airlock VERSION` on the first line (what scripts and
 * Homebrew's test read), then the commit, Deno version and target.
 *
 * @param info From {@linkcode buildInfo}.
 * @returns The lines, newline-terminated.
 * @example
 * ```ts
 * import { versionText } from "./build_info.ts";
 * const text = versionText({
 *   version: "1.2.3", commit: "abc", deno: "2.9.6", target: "x86_64-unknown-linux-gnu",
 *   compiled: true, executable: "/usr/local/bin/airlock", source: null,
 * });
 * console.assert(text.startsWith("airlock 1.2.3\n") && text.includes("target: x86_64"));
 * ```
 */
export function versionText(info: BuildInfo): string {
  return [
    `airlock ${info.version}`,
    `commit: ${info.commit}`,
    `deno: ${info.deno}`,
    `target: ${info.target}`,
    `build: ${info.compiled ? "compiled binary" : "deno run (source)"}`,
    "",
  ].join("\n");
}
