/**
 * The single-threaded programs that create the sandbox's namespaces before the exec
 * helper runs. Deno is multithreaded from its first instruction, so it cannot create a
 * user namespace itself (`unshare(CLONE_NEWUSER)` → EINVAL); util-linux does:
 *
 * `setpriv --pdeathsig KILL -- unshare --user --map-current-user --keep-caps --mount
 * --propagation private --pid --fork --kill-child --ipc [--net] -- sh -c INIT airlock-init
 * HELPER…`
 *
 * - `setpriv --pdeathsig KILL`: the chain dies with airlock, even when airlock is killed
 *   with SIGKILL; `unshare --kill-child` passes that on to the namespace's first process,
 *   and when PID 1 of a PID namespace dies the kernel kills every process in it.
 * - `--map-current-user --keep-caps`: the user keeps their uid and gid inside (tools that
 *   refuse to run as root keep working) and the helper holds the new user namespace's
 *   capabilities — over these namespaces only — to mount; it drops them before the exec.
 * - PID 1 is a POSIX shell running {@linkcode INIT_SCRIPT}: it ignores the signals a
 *   terminal or airlock sends to the process group, starts the helper with the terminal
 *   as its standard input, reaps orphans, and exits with the helper's (then the
 *   command's) status, which tears the namespace down.
 *
 * Programs are looked up in fixed system directories, never through the user's `PATH`.
 *
 * @module
 */

/** Directories the chain's programs are looked up in, in order. */
export const SYSTEM_BIN_DIRS = ["/usr/bin", "/bin", "/usr/sbin", "/sbin"] as const;

/**
 * PID 1 of the sandbox. A non-interactive shell gives background jobs `/dev/null` as
 * standard input before their own redirections apply, so the terminal is kept on
 * descriptor 9 and put back as the helper's standard input; the shell then closes its
 * copies of the launch pipes (3, 4) and `wait` returns the helper's status, 128+N when a
 * signal N killed it.
 */
export const INIT_SCRIPT =
  `trap '' INT QUIT TERM HUP; exec 9<&0; "$@" 0<&9 9<&- & exec 9<&- 3<&- 4>&-; wait $!`;

/** The programs the chain runs. */
export interface ChainPrograms {
  /** util-linux `setpriv`. */
  setpriv: string;
  /** util-linux `unshare`. */
  unshare: string;
  /** A POSIX shell. */
  sh: string;
}

/** What the chain creates. */
export interface ChainOptions {
  /** A new network namespace (only loopback) — every network mode but `open`. */
  network: boolean;
}

/**
 * The command line that creates the namespaces and runs `helper` inside them.
 *
 * @param programs The programs' absolute paths.
 * @param options Which namespaces.
 * @param helper The exec helper's command line.
 * @returns `[program, ...args]`.
 * @example
 * ```ts
 * import { chainCommand } from "./chain.ts";
 * const argv = chainCommand(
 *   { setpriv: "/usr/bin/setpriv", unshare: "/usr/bin/unshare", sh: "/bin/sh" },
 *   { network: true },
 *   ["/usr/bin/deno", "run", "helper.js"],
 * );
 * console.assert(argv[0] === "/usr/bin/setpriv" && argv.includes("--net"));
 * console.assert(argv.slice(-3).join(" ") === "/usr/bin/deno run helper.js");
 * ```
 */
export function chainCommand(
  programs: ChainPrograms,
  options: ChainOptions,
  helper: readonly string[],
): string[] {
  return [
    programs.setpriv,
    "--pdeathsig",
    "KILL",
    "--",
    programs.unshare,
    "--user",
    "--map-current-user",
    "--keep-caps",
    "--mount",
    "--propagation",
    "private",
    "--pid",
    "--fork",
    "--kill-child",
    "--ipc",
    ...(options.network ? ["--net"] : []),
    "--",
    programs.sh,
    "-c",
    INIT_SCRIPT,
    "airlock-init",
    ...helper,
  ];
}

/**
 * Finds the chain's programs in the system directories.
 *
 * @param isFile Whether a path is an executable file (tests inject it).
 * @returns The programs, or the name of the first one missing.
 * @example
 * ```ts
 * import { findChainPrograms } from "./chain.ts";
 * const found = findChainPrograms((p) => p.startsWith("/usr/bin/") || p === "/bin/sh");
 * console.assert(typeof found !== "string" && found.unshare === "/usr/bin/unshare");
 * console.assert(findChainPrograms(() => false) === "setpriv");
 * ```
 */
export function findChainPrograms(
  isFile: (path: string) => boolean = isExecutableFile,
): ChainPrograms | string {
  const find = (name: string) => SYSTEM_BIN_DIRS.map((d) => `${d}/${name}`).find(isFile);
  const setpriv = find("setpriv");
  if (setpriv === undefined) return "setpriv";
  const unshare = find("unshare");
  if (unshare === undefined) return "unshare";
  const sh = ["/bin/sh", "/usr/bin/sh"].find(isFile);
  if (sh === undefined) return "sh";
  return { setpriv, unshare, sh };
}

function isExecutableFile(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && ((info.mode ?? 0) & 0o111) !== 0;
  } catch {
    return false;
  }
}
