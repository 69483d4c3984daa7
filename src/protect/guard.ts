/**
 * The persistence guard for paths outside the workdir (`filesystem.protect`): an agent's
 * own configuration that makes code run later — Claude Code's hooks, Codex's `notify` and
 * MCP servers, Gemini CLI's and opencode's MCP servers and plugins. The profile grants the
 * agent's directory read-write (it keeps its state there), so a hijacked session could
 * plant a command that the next run of the agent without airlock executes.
 *
 * Before the launch each path is recorded (kind, mode, content; directories whole, read
 * with `lstat`, no link followed); existing ones are bound read-only in the sandbox
 * (`LaunchOptions.readOnlyPaths`). After the command and everything it started have ended,
 * whatever differs is put back — a path the command created is removed, a changed one
 * restored — and the command's version is moved into airlock's state directory
 * (`protected/SESSION/`), named in one line per path. `--accept-guarded` keeps it instead.
 *
 * Requires `--allow-read` and `--allow-write`.
 *
 * @module
 */

import { ensurePrivateDir } from "../state_dir.ts";

/** One recorded path. */
export type Recorded =
  | { kind: "absent" }
  | { kind: "file"; mode: number; bytes: Uint8Array }
  | { kind: "symlink"; target: string }
  | { kind: "dir"; mode: number; children: Map<string, Recorded> };

/** What {@linkcode snapshotProtected} recorded. */
export interface ProtectSnapshot {
  /** Path → its state before the launch. */
  paths: Map<string, Recorded>;
}

/** The most a protected path may hold to be recorded (a config, not a cache). */
export const MAX_PROTECTED_BYTES = 8 * 1024 * 1024;

/**
 * Records each path.
 *
 * @param paths Absolute paths (existing or not).
 * @returns The snapshot.
 * @throws {Error} When a path holds more than {@linkcode MAX_PROTECTED_BYTES}.
 * @example
 * ```ts
 * import { snapshotProtected } from "./guard.ts";
 * const snap = snapshotProtected(["/nonexistent/airlock-example"]);
 * console.assert(snap.paths.get("/nonexistent/airlock-example")?.kind === "absent");
 * ```
 */
export function snapshotProtected(paths: readonly string[]): ProtectSnapshot {
  const budget = { left: MAX_PROTECTED_BYTES };
  return { paths: new Map(paths.map((path) => [path, record(path, budget)])) };
}

function record(path: string, budget: { left: number }): Recorded {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch {
    return { kind: "absent" };
  }
  if (info.isSymlink) return { kind: "symlink", target: Deno.readLinkSync(path) };
  const mode = (info.mode ?? 0o644) & 0o7777;
  if (info.isDirectory) {
    const children = new Map<string, Recorded>();
    for (const entry of Deno.readDirSync(path)) {
      children.set(entry.name, record(`${path}/${entry.name}`, budget));
    }
    return { kind: "dir", mode, children };
  }
  budget.left -= info.size;
  if (budget.left < 0) {
    throw new Error(
      `Cannot protect "${path}": the protected paths hold more than ${MAX_PROTECTED_BYTES} bytes`,
    );
  }
  return { kind: "file", mode, bytes: Deno.readFileSync(path) };
}

/** What the guard did to one path after the session. */
export interface GuardAction {
  /** The path. */
  path: string;
  /** `created` (it was absent before), `changed`, or `removed` (it existed before). */
  change: "created" | "changed" | "removed";
  /** Where the command's version was moved (absent when it was accepted or removed). */
  keptAt?: string;
  /** Why it could not be put back (the path is left as the session left it). */
  error?: string;
}

/**
 * Puts back every path that differs from its record.
 *
 * @param snapshot From {@linkcode snapshotProtected}.
 * @param options Where to keep the command's versions, and whether to accept them.
 * @returns What was done, one entry per path that differed.
 */
export function restoreProtected(
  snapshot: ProtectSnapshot,
  options: { keepDir: string; accept?: boolean },
): GuardAction[] {
  const actions: GuardAction[] = [];
  let n = 0;
  for (const [path, before] of snapshot.paths) {
    const now = recordBounded(path);
    if (now !== null && same(before, now)) continue;
    const change = before.kind === "absent"
      ? "created"
      : now?.kind === "absent"
      ? "removed"
      : "changed";
    if (options.accept) {
      actions.push({ path, change });
      continue;
    }
    let keptAt: string | undefined;
    try {
      const dir = path.slice(0, path.lastIndexOf("/")) || "/";
      if (Deno.realPathSync(dir) !== dir) {
        throw new Error(`its directory ${dir} is now a link or beneath one; left as it is`);
      }
      if (now?.kind !== "absent") {
        ensurePrivateDir(options.keepDir);
        const target = `${options.keepDir}/${n++}-${path.slice(path.lastIndexOf("/") + 1)}`;
        if (moveAside(path, target, now)) keptAt = target;
      }
      if (before.kind !== "absent") write(path, before);
      actions.push({ path, change, ...(keptAt ? { keptAt } : {}) });
    } catch (err) {
      actions.push({ path, change, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return actions;
}

/** The path's state now, or null when it holds more than a config could (never read whole). */
function recordBounded(path: string): Recorded | null {
  try {
    return record(path, { left: 4 * MAX_PROTECTED_BYTES });
  } catch {
    return null;
  }
}

/**
 * Moves the session's version out of the way: renamed into the keep directory (the entry
 * itself, never a link's target), or on another filesystem copied from its record and
 * removed. One too large to record is removed without a copy.
 */
function moveAside(path: string, keptAt: string, now: Recorded | null): boolean {
  try {
    Deno.renameSync(path, keptAt);
    return true;
  } catch (err) {
    if (!(err instanceof Error) || !("code" in err) || err.code !== "EXDEV") throw err;
  }
  if (now !== null) write(keptAt, now);
  removeTree(path);
  return now !== null;
}

function same(a: Recorded, b: Recorded): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "absent") return true;
  if (a.kind === "symlink") return a.target === (b as typeof a).target;
  if (a.kind === "file") {
    const other = b as typeof a;
    return a.mode === other.mode && a.bytes.length === other.bytes.length &&
      a.bytes.every((byte, i) => byte === other.bytes[i]);
  }
  const other = b as typeof a;
  if (a.mode !== other.mode || a.children.size !== other.children.size) return false;
  for (const [name, child] of a.children) {
    const theirs = other.children.get(name);
    if (theirs === undefined || !same(child, theirs)) return false;
  }
  return true;
}

/** Writes a record at a path that does not exist (exclusive creation: never a link's target). */
function write(path: string, rec: Recorded): void {
  if (rec.kind === "absent") return;
  if (rec.kind === "symlink") {
    Deno.symlinkSync(rec.target, path);
    return;
  }
  if (rec.kind === "dir") {
    Deno.mkdirSync(path, { mode: 0o700 });
    for (const [name, child] of rec.children) write(`${path}/${name}`, child);
    Deno.chmodSync(path, rec.mode);
    return;
  }
  const tmp = `${path}.airlock-${crypto.randomUUID()}`;
  Deno.writeFileSync(tmp, rec.bytes, { createNew: true, mode: 0o600 });
  Deno.chmodSync(tmp, rec.mode);
  Deno.renameSync(tmp, path);
}

function removeTree(path: string): void {
  const info = Deno.lstatSync(path);
  if (info.isDirectory) {
    Deno.chmodSync(path, 0o700);
    for (const entry of Deno.readDirSync(path)) removeTree(`${path}/${entry.name}`);
    Deno.removeSync(path);
  } else {
    Deno.removeSync(path);
  }
}
