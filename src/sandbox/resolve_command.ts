/**
 * Command lookup in the parent, as `execvp` would do it, so a missing or non-executable
 * command fails before any helper starts (exit 127 / 126), and the helper `execve`s an
 * absolute path.
 *
 * @module
 */

import { CommandNotExecutableError, CommandNotFoundError } from "../errors.ts";
import { isNothingThere } from "../policy/paths.ts";
import type { Policy } from "../policy/types.ts";

/** The search path when the command's environment has no `PATH`. */
export const DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

/** Options of {@linkcode resolveCommand}. */
export interface ResolveCommandOptions {
  /** The command environment's `PATH` (undefined: {@linkcode DEFAULT_PATH}). */
  path?: string | undefined;
  /** The directory relative names and empty PATH entries resolve against. */
  cwd: string;
  /**
   * Whether the sandbox will let the program run (see {@linkcode readGrantChecker}). A
   * PATH match it rejects is skipped, as `execvp` inside the sandbox would skip it after
   * EACCES; when nothing else matches, the command is not executable (126).
   */
  isGranted?: (path: string) => boolean;
}

/**
 * A predicate telling whether a program lies beneath one of the policy's read grants
 * (after resolving symlinks, as the kernel does).
 *
 * @param policy The policy.
 * @returns The predicate.
 */
export function readGrantChecker(policy: Policy): (path: string) => boolean {
  const roots = policy.paths.filter((r) => r.access.includes("read")).map((r) => r.path);
  return (path) => {
    let real: string;
    try {
      real = Deno.realPathSync(path);
    } catch {
      return false;
    }
    return roots.some((root) =>
      root === "/" || real === root || real.startsWith(root.endsWith("/") ? root : `${root}/`)
    );
  };
}

/**
 * Resolves a command name to an absolute path. A name containing `/` is taken as a path
 * (relative to `cwd`); otherwise each `PATH` entry is tried in order (an empty entry means
 * `cwd`) and the first executable regular file wins.
 *
 * Requires `--allow-read`.
 *
 * @param name The command as typed (`argv[0]`).
 * @param options The search path and working directory.
 * @returns The absolute path of the program.
 * @throws {CommandNotFoundError} When nothing by that name exists (exit 127).
 * @throws {CommandNotExecutableError} When it exists but is a directory or has no execute
 *   bit (exit 126).
 * @example
 * ```ts
 * import { resolveCommand } from "./resolve_command.ts";
 * console.assert(resolveCommand("sh", { path: "/usr/bin:/bin", cwd: "/" }).endsWith("/sh"));
 * ```
 */
export function resolveCommand(name: string, options: ResolveCommandOptions): string {
  if (name === "") throw new CommandNotFoundError("Cannot run the command: its name is empty");
  if (name.includes("/")) {
    const path = absolute(name, options.cwd);
    const problem = inspect(path);
    if (problem === "missing") {
      throw new CommandNotFoundError(`Cannot run "${name}": no such file`);
    }
    if (problem !== "ok") {
      throw new CommandNotExecutableError(`Cannot run "${name}": ${problem}`, {
        hint: problem.includes("execute") ? `make it executable: chmod +x ${name}` : undefined,
      });
    }
    return path;
  }
  const searchPath = options.path ?? DEFAULT_PATH;
  let notExecutable: { path: string; problem: string } | undefined;
  for (const dir of searchPath.split(":")) {
    const path = absolute(`${dir === "" ? "." : dir}/${name}`, options.cwd);
    let problem = inspect(path);
    if (problem === "ok" && options.isGranted && !options.isGranted(path)) {
      problem = "is outside the sandbox's read grants";
    }
    if (problem === "ok") return path;
    if (problem !== "missing") notExecutable ??= { path, problem };
  }
  if (notExecutable !== undefined) {
    throw new CommandNotExecutableError(
      `Cannot run "${name}": ${notExecutable.path} ${notExecutable.problem}`,
      notExecutable.problem.includes("grants")
        ? { hint: `grant its directory with --read, or give the path of another ${name}` }
        : {},
    );
  }
  throw new CommandNotFoundError(`Cannot run "${name}": not found in PATH ${searchPath}`, {
    hint: "give the full path, or set PATH in the profile's environment",
  });
}

/** Joins a relative path to `cwd` (no `..` folding: the kernel resolves symlinks first). */
function absolute(path: string, cwd: string): string {
  return path.startsWith("/") ? path : `${cwd === "/" ? "" : cwd.replace(/\/+$/, "")}/${path}`;
}

/** "ok", "missing", or why the file cannot be executed. */
function inspect(path: string): string {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(path);
  } catch (err) {
    if (isNothingThere(err)) return "missing";
    return `cannot be inspected (${err instanceof Error ? err.message : String(err)})`;
  }
  if (info.isDirectory) return "is a directory";
  if (!info.isFile) return "is not a regular file";
  if (info.mode !== null && (info.mode & 0o111) === 0) return "has no execute permission";
  return "ok";
}
