/**
 * The runtime directory of one Linux launch: `$XDG_STATE_HOME/airlock/run/ID/` (the
 * session's audit log, kept, lives apart in `sessions/ID/`),
 * owner-only, outside every grant (airlock's state directory is a protected path) and
 * hidden inside the sandbox. It holds the sandbox's private `/tmp` and `/dev/shm`, the
 * per-session layers of shared caches, and the bridge's UNIX sockets. It is removed when
 * the session ends (its `tmp` is kept with `--keep-tmp`); a directory left by an airlock
 * that was killed is removed by the next launch once its owner is gone.
 *
 * Requires `--allow-read`, `--allow-write` and `--allow-env`.
 *
 * @module
 */

import { newSessionId } from "../audit/session_id.ts";
import { ensurePrivateDir, stateDir } from "../state_dir.ts";

/** The sub-directories of a session directory. */
export interface SessionDir {
  /** The session id (shared with the session's audit log). */
  id: string;
  /** The directory. */
  path: string;
  /** The private `/tmp`. */
  tmp: string;
  /** The private `/dev/shm`. */
  shm: string;
  /** The bridge's sockets. */
  bridge: string;
}

/**
 * Where sessions live.
 *
 * @param env The environment (`XDG_STATE_HOME`, `HOME`).
 * @returns The sessions directory.
 * @example
 * ```ts
 * import { sessionsRoot } from "./session_dir.ts";
 * console.assert(sessionsRoot({ HOME: "/home/a" }) === "/home/a/.local/state/airlock/run");
 * ```
 */
export function sessionsRoot(env?: Record<string, string | undefined>): string {
  return `${stateDir(env)}/run`;
}

/**
 * Creates a session directory (and removes those of sessions whose airlock is gone).
 *
 * @returns Its paths.
 * @throws {Deno.errors.PermissionDenied} And other errors when it cannot be created.
 */
export function createSessionDir(): SessionDir {
  const root = sessionsRoot();
  ensurePrivateDir(root); // no other user can swap what the sandbox is built from
  removeStale(root);
  const id = newSessionId();
  const path = `${root}/${id}`;
  // Built under a staging name that names its owner, then renamed: a SIGKILL at any point
  // leaves either a staging directory whose name says whose it was, or a complete one with
  // its `owner` file — never a directory the sweeper cannot judge.
  const owner = `${Deno.pid} ${processStart(Deno.pid)}`;
  const staging = `${root}/${STAGING_PREFIX}${owner.replace(" ", "-")}-${id}`;
  Deno.mkdirSync(staging, { mode: 0o700 });
  Deno.chmodSync(staging, 0o700);
  Deno.writeTextFileSync(`${staging}/owner`, `${owner}\n`, { mode: 0o600 });
  Deno.renameSync(staging, path);
  const dir: SessionDir = {
    id,
    path,
    tmp: `${path}/tmp`,
    shm: `${path}/shm`,
    bridge: `${path}/bridge`,
  };
  for (const sub of [dir.tmp, dir.shm]) {
    Deno.mkdirSync(sub);
    Deno.chmodSync(sub, 0o1777); // the usual /tmp semantics, inside an owner-only directory
  }
  Deno.mkdirSync(dir.bridge, { mode: 0o700 });
  return dir;
}

/**
 * Removes a session directory, keeping its `tmp` when asked (then everything else goes
 * and the path of the kept `tmp` is returned).
 *
 * @param dir The session.
 * @param keepTmp Keep the private `/tmp`'s contents.
 * @returns The kept directory, or null.
 */
export function removeSessionDir(dir: SessionDir, keepTmp = false): string | null {
  try {
    if (!keepTmp) {
      removeTree(dir.path);
      return null;
    }
    for (const entry of Deno.readDirSync(dir.path)) {
      if (entry.name !== "tmp") removeTree(`${dir.path}/${entry.name}`);
    }
    return dir.tmp;
  } catch {
    return keepTmp ? dir.tmp : null;
  }
}

/** Removes a tree, making its directories writable first (the command may have chmod'ed them). */
function removeTree(path: string): void {
  try {
    Deno.removeSync(path, { recursive: true });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    makeWritable(path);
    Deno.removeSync(path, { recursive: true });
  }
}

function makeWritable(path: string): void {
  try {
    const info = Deno.lstatSync(path);
    if (!info.isDirectory) return;
    Deno.chmodSync(path, 0o700);
    for (const entry of Deno.readDirSync(path)) makeWritable(`${path}/${entry.name}`);
  } catch {
    // best effort
  }
}

/** The start time of a process (field 22 of `/proc/PID/stat`), or "" when it is gone. */
function processStart(pid: number): string {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? "";
  } catch {
    return "";
  }
}

/** The name prefix of a session directory being created: `.new-PID-START-ID`. */
const STAGING_PREFIX = ".new-";

/** Removes the directories of sessions whose airlock no longer runs (killed with SIGKILL). */
function removeStale(root: string): void {
  try {
    for (const entry of Deno.readDirSync(root)) {
      if (!entry.isDirectory) continue;
      const path = `${root}/${entry.name}`;
      let owner: string;
      if (entry.name.startsWith(STAGING_PREFIX)) {
        // `.new-PID-START-ID`: being created by PID, or left by it when it was killed.
        owner = entry.name.slice(STAGING_PREFIX.length).split("-", 2).join(" ");
      } else {
        try {
          owner = Deno.readTextFileSync(`${path}/owner`);
        } catch {
          continue; // not one of ours (ours get `owner` before their name)
        }
      }
      const [pid, start] = owner.trim().split(" ");
      if (pid !== undefined && start !== undefined && processStart(Number(pid)) === start) continue;
      removeTree(path);
    }
  } catch {
    // nothing to clean
  }
}
