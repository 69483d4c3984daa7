/**
 * Restoring a workdir (or some of its paths) to a snapshot, safely against a hostile
 * tree. It runs only when nothing of the sandbox runs any more (after the command, or
 * from `airlock rollback restore`), and:
 *
 * - never follows a symlink: the current tree is read with `lstat`; a link where the
 *   snapshot has a file or directory is removed (`unlink`), never written through, and
 *   paths are handled parents first, so every directory written into has just been
 *   checked (or made) to be a real directory inside the workdir;
 * - writes each file under an exclusive temporary name beside it, makes the batch
 *   durable (one `syncfs`, else `fsync` per file), then renames each into place;
 * - recreates directories, links and modes, removes what was added, brings back what
 *   was removed or made unreadable (`chmod 000`), and touches nothing outside the
 *   workdir: every path is the workdir joined with a recorded relative path, which is
 *   checked to have no `..`, `.` or empty component; excluded paths (by the snapshot's
 *   own rules) are left alone.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { RollbackError, UsageError } from "../errors.ts";
import { EXIT_ROLLBACK_CORRUPT } from "./exit_codes.ts";
import { Exclusions, parentOf } from "./exclusions.ts";
import { GuardMatcher } from "./guard_patterns.ts";
import { entryFromStat, scanTree } from "./scan.ts";
import { unchanged } from "./snapshot.ts";
import { type ObjectLocation, randomId, type Store, writeAll } from "./store.ts";
import { makeDurable } from "./durable.ts";
import type { Entry, Manifest } from "./types.ts";

/** One step of a restore. */
export interface RestoreStep {
  /** `remove` (added or wrong type), `mkdir`, `write` (file content), `link`, `mode`. */
  op: "remove" | "mkdir" | "write" | "link" | "mode";
  /** The path relative to the workdir. */
  path: string;
}

/** Options of {@linkcode restoreSnapshot}. */
export interface RestoreOptions {
  /** Only these paths (relative to the workdir) and what lies beneath them. */
  paths?: string[];
  /** Plan only: list the steps without changing anything. */
  dryRun?: boolean;
}

/** What a restore did (or would do). */
export interface RestoreResult {
  /** The steps, in order. */
  steps: RestoreStep[];
}

const TMP_SUFFIX = ".airlock-restore.tmp";

/**
 * Checks that a recorded path is a plain relative path.
 *
 * @param path The path.
 * @throws {RollbackError} When it has a `..`, `.` or empty component or is absolute.
 */
function checkRelative(path: string): void {
  if (path === "") return;
  if (path.startsWith("/") || path.split("/").some((c) => c === "" || c === "." || c === "..")) {
    throw new RollbackError(
      `Cannot restore: the snapshot names the path "${path}", which is not inside the workdir`,
      EXIT_ROLLBACK_CORRUPT,
    );
  }
}

/** Whether `path` is `sel` or lies beneath it. */
function within(path: string, sel: string): boolean {
  return sel === "" || path === sel || path.startsWith(`${sel}/`);
}

/** The SHA-256 of a regular file's content, or null when it cannot be read. */
function hashFile(abs: string, expectIno: number): string | null {
  try {
    const file = Deno.openSync(abs, { read: true });
    try {
      const info = file.statSync();
      if (!info.isFile || info.ino !== expectIno) return null;
      const h = createHash("sha256");
      const buf = new Uint8Array(1 << 20);
      for (;;) {
        const n = file.readSync(buf);
        if (n === null || n === 0) break;
        h.update(buf.subarray(0, n));
      }
      return h.digest("hex");
    } finally {
      file.close();
    }
  } catch {
    return null; // unreadable (chmod 000): restore it
  }
}

/**
 * Restores the workdir of `manifest` to it.
 *
 * Requires `--allow-read` and `--allow-write` (workdir and store), `--allow-ffi` for
 * the one-call flush.
 *
 * @param store The store holding the snapshot's objects.
 * @param manifest The snapshot.
 * @param options Paths to restore, dry run.
 * @returns The steps taken (or planned).
 * @throws {UsageError} When the workdir is not a directory (exit 2), or a path is not
 *   inside it.
 * @throws {RollbackError} (exit 1) When an object is missing or does not match its hash.
 * @example Restoring two paths
 * ```ts ignore
 * const { steps } = restoreSnapshot(store, manifest, { paths: ["src", "README.md"] });
 * ```
 */
export function restoreSnapshot(
  store: Store,
  manifest: Manifest,
  options: RestoreOptions = {},
): RestoreResult {
  const workdir = manifest.workdir;
  let rootInfo: Deno.FileInfo | null = null;
  try {
    rootInfo = Deno.lstatSync(workdir);
  } catch {
    // reported below
  }
  if (rootInfo === null || !rootInfo.isDirectory) {
    throw new UsageError(`Cannot restore snapshot ${manifest.id}: ${workdir} is not a directory`, {
      hint: "recreate the workdir directory (mkdir) and restore again",
    });
  }
  const selection = (options.paths ?? [""]).map((p) => p.replace(/\/+$/, ""));
  for (const p of selection) checkRelative(p);
  const selected = (path: string) => selection.some((sel) => within(path, sel));
  const guard = new GuardMatcher(manifest.rules.guard);
  const abs = (path: string) => path === "" ? workdir : `${workdir}/${path}`;

  // Make unreadable directories on the way readable again, so the walk sees everything.
  const current = scanCurrent(workdir, manifest, guard, options.dryRun === true);
  const now = new Map(current.map((e) => [e.path, e]));
  const want = new Map(manifest.entries.map((e) => [e.path, e]));
  for (const e of manifest.entries) checkRelative(e.path);

  const steps: RestoreStep[] = [];
  const removedDirs: string[] = [];
  const writes: { path: string; tmp: string }[] = [];
  const dirModes: Entry[] = [];
  const paths = [...new Set([...now.keys(), ...want.keys()])].filter(selected).sort();
  const dry = options.dryRun === true;
  const umask = Deno.umask();
  try {
    for (const path of paths) {
      if (removedDirs.some((d) => within(path, d) && path !== d) && !want.has(path)) continue;
      const have = removedDirs.some((d) => within(path, d)) ? undefined : now.get(path);
      const target = want.get(path);
      if (have !== undefined && (target === undefined || target.type !== have.type)) {
        if (path === "") continue; // the workdir itself is never removed
        steps.push({ op: "remove", path });
        if (!dry) Deno.removeSync(abs(path), { recursive: have.type === "d" });
        if (have.type === "d") removedDirs.push(path);
        if (target === undefined) continue;
      }
      const present = have !== undefined && have.type === target?.type;
      if (target === undefined) continue;
      if (target.type === "d") {
        if (!present) {
          steps.push({ op: "mkdir", path });
          if (!dry) Deno.mkdirSync(abs(path), { mode: 0o700 });
        }
        if (present && (have!.mode & 0o700) !== 0o700 && !dry) {
          Deno.chmodSync(abs(path), have!.mode | 0o700); // enterable while restoring
        }
        if (!present || have!.mode !== target.mode) {
          if (present) steps.push({ op: "mode", path });
          dirModes.push(target);
        }
        continue;
      }
      if (target.type === "l") {
        if (present && have!.hash === target.hash) {
          continue; // a link's mode is not settable on Linux
        }
        steps.push({ op: "link", path });
        if (!dry) {
          const tmp = `${abs(parentOf(path))}/.${randomId()}${TMP_SUFFIX}`;
          Deno.symlinkSync(target.hash, tmp);
          writes.push({ path, tmp });
        }
        continue;
      }
      const same = present &&
        (unchanged(have!, target, manifest.scanStart) ||
          hashFile(abs(path), have!.ino) === target.hash);
      if (same) {
        if (have!.mode !== target.mode) {
          steps.push({ op: "mode", path });
          if (!dry) Deno.chmodSync(abs(path), target.mode);
        }
        continue;
      }
      steps.push({ op: "write", path });
      if (!dry) {
        const tmp = `${abs(parentOf(path))}/.${randomId()}${TMP_SUFFIX}`;
        writes.push({ path, tmp });
        writeTemp(store, target, tmp, umask);
      }
    }
    if (!dry) {
      makeDurable(workdir, writes.filter((w) => !isLink(w.tmp)).map((w) => w.tmp));
      for (const w of writes) Deno.renameSync(w.tmp, abs(w.path));
      // Deepest first, so a read-only directory does not block what lies beneath it.
      for (const d of dirModes.reverse()) Deno.chmodSync(abs(d.path), d.mode);
      makeDurable(workdir, []);
    }
  } catch (err) {
    for (const w of writes) {
      try {
        Deno.removeSync(w.tmp);
      } catch {
        // renamed already, or never made
      }
    }
    throw err;
  }
  return { steps };
}

function isLink(path: string): boolean {
  try {
    return Deno.lstatSync(path).isSymlink;
  } catch {
    return false;
  }
}

function locate(store: Store, target: Entry): ObjectLocation {
  const loc = store.index().get(target.hash);
  if (loc === undefined) {
    throw new RollbackError(
      `Cannot restore ${target.path}: object ${target.hash} is missing from the store`,
      EXIT_ROLLBACK_CORRUPT,
      { hint: "run airlock rollback verify ID" },
    );
  }
  return loc;
}

function corrupt(target: Entry): RollbackError {
  return new RollbackError(
    `Cannot restore ${target.path}: object ${target.hash} is corrupt`,
    EXIT_ROLLBACK_CORRUPT,
    { hint: "run airlock rollback verify ID" },
  );
}

/**
 * Writes a file's snapshot content to the exclusive temporary name `tmp` (`O_CREAT|O_EXCL`:
 * it never follows or reuses an existing name), checking the content against its hash
 * while it is written. (Writing several files at once was measured: creating inodes
 * serialises in the kernel here, and it gained nothing.)
 */
function writeTemp(store: Store, target: Entry, tmp: string, umask: number): void {
  const loc = locate(store, target);
  const mode = target.mode & 0o777;
  const file = Deno.openSync(tmp, { write: true, createNew: true, mode });
  try {
    const h = createHash("sha256");
    const chunk = 4 << 20;
    const buf = new Uint8Array(Math.min(chunk, loc.size));
    for (let off = 0; off < loc.size; off += chunk) {
      const part = buf.subarray(0, Math.min(chunk, loc.size - off));
      store.readAt(loc, part, off);
      h.update(part);
      writeAll(file, part);
    }
    if (h.digest("hex") !== target.hash) throw corrupt(target);
  } finally {
    file.close();
  }
  // The mode given at creation passes through the umask; fix it only when that changed it.
  if ((mode & ~umask) !== target.mode) Deno.chmodSync(tmp, target.mode);
}

/**
 * Scans the current tree with the snapshot's own rules, first giving every directory
 * the snapshot records an owner `rwx` bit if the agent took it away, so that the walk
 * and the restore can enter it.
 */
function scanCurrent(
  workdir: string,
  manifest: Manifest,
  guard: GuardMatcher,
  dry: boolean,
): Entry[] {
  const exclusions = new Exclusions(manifest.rules, false);
  for (;;) {
    try {
      return scanTree(workdir, { exclusions, guard }).entries;
    } catch (err) {
      if (dry || !(err instanceof Deno.errors.PermissionDenied)) throw err;
      if (!openUnreadableDirs(workdir, manifest)) throw err;
    }
  }
}

/** Gives `u+rwx` to recorded directories that lack it; true when one was changed. */
function openUnreadableDirs(workdir: string, manifest: Manifest): boolean {
  let changed = false;
  for (const e of manifest.entries) {
    if (e.type !== "d") continue;
    const abs = e.path === "" ? workdir : `${workdir}/${e.path}`;
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(abs);
    } catch {
      continue;
    }
    const entry = entryFromStat(e.path, abs, info);
    if (entry?.type === "d" && (entry.mode & 0o700) !== 0o700) {
      Deno.chmodSync(abs, entry.mode | 0o700);
      changed = true;
    }
  }
  return changed;
}
