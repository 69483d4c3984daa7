/**
 * Where airlock keeps its state: `$XDG_STATE_HOME/airlock`, else `~/.local/state/airlock`
 * — with `HOME` unset, the home directory from `/etc/passwd`, never a shared directory
 * such as `/tmp` — and how its private directories are made: owner-only, on a chain of
 * directories no other user can change.
 *
 * @module
 */

/**
 * Returns airlock's state directory (not created).
 *
 * @param env The environment to read `XDG_STATE_HOME` and `HOME` from.
 * @returns An absolute path.
 * @example
 * ```ts
 * import { stateDir } from "./state_dir.ts";
 * console.assert(stateDir({ HOME: "/home/a" }) === "/home/a/.local/state/airlock");
 * console.assert(stateDir({ XDG_STATE_HOME: "/s" }) === "/s/airlock");
 * ```
 */
export function stateDir(env: Record<string, string | undefined> = Deno.env.toObject()): string {
  const xdg = env.XDG_STATE_HOME;
  if (xdg && xdg.startsWith("/")) return `${xdg.replace(/\/+$/, "")}/airlock`;
  const home = env.HOME && env.HOME.startsWith("/") ? env.HOME : passwdHome();
  return `${home.replace(/\/+$/, "")}/.local/state/airlock`;
}

/** This user's home directory from `/etc/passwd`, else `/nonexistent` (nothing is made). */
function passwdHome(): string {
  try {
    const uid = String(Deno.uid());
    for (const line of Deno.readTextFileSync("/etc/passwd").split("\n")) {
      const fields = line.split(":");
      if (fields[2] === uid && fields[5]?.startsWith("/")) return fields[5];
    }
  } catch {
    // no passwd: fall through
  }
  return "/nonexistent";
}

/**
 * Creates (or checks) a directory airlock keeps private state in: mode 0700, owned by
 * this user, and every directory on the way to it owned by this user or root and not
 * writable by anyone else (a root-owned sticky directory such as `/tmp` is allowed, but
 * nothing another user created inside it). Otherwise another local user could rename it
 * away and put their own in its place.
 *
 * Requires `--allow-read` and `--allow-write`.
 *
 * @param path The directory (absolute).
 * @throws {Error} Naming the directory on the way that another user controls.
 * @example
 * ```ts
 * import { ensurePrivateDir } from "./state_dir.ts";
 * const base = Deno.makeTempDirSync();
 * ensurePrivateDir(`${base}/a/b`);
 * console.assert((Deno.statSync(`${base}/a/b`).mode! & 0o777) === 0o700);
 * Deno.removeSync(base, { recursive: true });
 * ```
 */
export function ensurePrivateDir(path: string): void {
  const uid = Deno.uid();
  const parts = path.split("/").filter((p) => p !== "");
  let dir = "";
  for (let i = 0; i < parts.length; i++) {
    dir += `/${parts[i]}`;
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(dir);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
      Deno.mkdirSync(dir, { mode: 0o700 });
      info = Deno.statSync(dir);
    }
    const mode = info.mode ?? 0;
    const owner = info.uid;
    const last = i === parts.length - 1;
    if (!info.isDirectory) throw new Error(`Cannot use "${dir}": it is not a directory`);
    if (owner !== uid && owner !== 0) {
      throw new Error(`Cannot use "${dir}": it belongs to another user (uid ${owner})`);
    }
    const othersWrite = (mode & 0o022) !== 0;
    if (othersWrite && !(owner === 0 && (mode & 0o1000) !== 0)) {
      throw new Error(
        `Cannot use "${dir}": others can write to it (mode ${(mode & 0o7777).toString(8)})`,
      );
    }
    if (last && (owner !== uid || (mode & 0o077) !== 0)) {
      if (owner !== uid) throw new Error(`Cannot use "${dir}": it is not this user's`);
      Deno.chmodSync(dir, 0o700);
    }
  }
}
