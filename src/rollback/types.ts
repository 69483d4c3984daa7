/**
 * The data of the rollback layer: one recorded tree entry, a snapshot manifest and the
 * rollback settings a policy carries. Plain data, JSON-serialisable.
 *
 * A snapshot records, for every path of the workdir that is not excluded, its type,
 * permission bits and content hash (a symlink's target for links), plus the `lstat`
 * fields that let the next snapshot skip files that did not change (size, mtime, ctime,
 * inode, device). The Merkle root covers path, type, mode and content only.
 *
 * @module
 */

/** The store layout version this build writes; a store with a higher one is refused. */
export const STORE_VERSION = 1;

/** The entry types recorded: regular file, directory, symbolic link. */
export type EntryType = "f" | "d" | "l";

/** One recorded path. */
export interface Entry {
  /** Path relative to the workdir, `/`-separated; `""` is the workdir itself. */
  path: string;
  /** Regular file, directory or symlink. */
  type: EntryType;
  /** Permission bits (`0o7777` mask). */
  mode: number;
  /** Size in bytes (files); 0 for directories; the target's length for links. */
  size: number;
  /** SHA-256 of the content (files, hex), the link target (links), `""` (directories). */
  hash: string;
  /** Modification time, milliseconds since the epoch. */
  mtime: number;
  /** Status change time, milliseconds (Deno reports whole seconds). */
  ctime: number;
  /** Inode number. */
  ino: number;
  /** Device number. */
  dev: number;
}

/** The exclusions a snapshot applied, kept with it so that diff and restore use the same. */
export interface ExclusionRules {
  /** The built-in patterns (`node_modules/`, `target/`, …). */
  defaults: string[];
  /** The profile's `rollback.exclude` patterns. */
  profile: string[];
  /** `.gitignore` files read: the directory (relative) and its patterns. */
  gitignore: { dir: string; patterns: string[] }[];
  /** Guard patterns: recorded even where an exclusion would skip them. */
  guard: string[];
}

/** Counts of one snapshot. */
export interface SnapshotStats {
  /** Regular files recorded. */
  files: number;
  /** Directories recorded (the workdir included). */
  dirs: number;
  /** Symlinks recorded. */
  links: number;
  /** Bytes of the regular files. */
  bytes: number;
  /** Files whose content was read (changed or new since the last snapshot). */
  read: number;
  /** Bytes read. */
  readBytes: number;
  /** New objects written to the store. */
  stored: number;
  /** Bytes written to the store. */
  storedBytes: number;
  /** Paths skipped because they are neither file, directory nor link (FIFOs, sockets). */
  skipped: number;
  /** Paths excluded (top-most excluded path only; nothing below it is visited). */
  excluded: number;
  /** Milliseconds the snapshot took. */
  ms: number;
}

/** One guarded path the guard acted on after a run. */
export interface GuardAction {
  /** The path, relative to the workdir. */
  path: string;
  /** `added`, `changed` (content, mode or type). */
  change: "added" | "changed";
  /** `restored` (the snapshot's state is back) or `accepted` (`--accept-guarded`). */
  action: "restored" | "accepted";
  /** The agent's version: content hash (files), target (links), `""` (directories). */
  hash: string;
  /** The agent's version's type. */
  type: EntryType;
}

/** A committed snapshot (`snapshots/<id>.json`). */
export interface Manifest {
  /** Store layout version. */
  version: number;
  /** The snapshot id (`20260101T120000Z-a1b2c3`). */
  id: string;
  /** `before` (taken before a run), `after` (the tree a run left). */
  kind: "before" | "after";
  /** For `after`: the id of the `before` snapshot of the same run. */
  of?: string;
  /** The workdir (absolute, real path). */
  workdir: string;
  /** ISO 8601 time the scan started. */
  created: string;
  /** Milliseconds since the epoch the scan started (for the racy-entry rule). */
  scanStart: number;
  /** The audit session the snapshot belongs to, if any. */
  session?: string;
  /** The profile of the run, if any. */
  profile?: string;
  /** The Merkle root over path, type, mode and content (hex). */
  root: string;
  /** The exclusions applied. */
  rules: ExclusionRules;
  /** Counts. */
  stats: SnapshotStats;
  /** For `after`: the command's exit status. */
  status?: number;
  /** For `after`: what the guard did. */
  guarded?: GuardAction[];
  /** Files whose content was hashed but not stored (over `maxStoreBytes`; `after` only). */
  unstored?: string[];
  /** The entries, sorted by path. */
  entries: Entry[];
}

/** The rollback settings of a policy (profile `rollback`, `guard` and the run flags). */
export interface RollbackPolicy {
  /** Whether runs snapshot the workdir (profile `rollback`; `--rollback`/`--no-rollback` override). */
  enabled: boolean;
  /** Profile `rollback.exclude` patterns (gitignore syntax, relative to the workdir). */
  exclude: string[];
  /** Profile `guard` patterns added to the built-in guarded paths. */
  guard: string[];
  /** Most files a snapshot may record. */
  maxFiles: number;
  /** Most bytes a snapshot may record. */
  maxBytes: number;
}

/** Default `rollback.max_files`. */
export const DEFAULT_MAX_FILES = 200_000;
/** Default `rollback.max_bytes` (4 GiB). */
export const DEFAULT_MAX_BYTES = 4 * 1024 ** 3;
