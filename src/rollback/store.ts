/**
 * The content-addressed store of one workdir, under
 * `$XDG_STATE_HOME/airlock/rollback/<name>-<hash>/`:
 *
 * - `store.json` — layout version and the workdir it belongs to;
 * - `packs/<id>.pack` — the contents of the objects a snapshot added, back to back;
 *   `packs/<id>.idx` — each object's SHA-256, offset and size in that pack;
 * - `snapshots/<id>.json` — a committed snapshot (`<id>.after.json`: the tree the run left).
 *
 * Every file is written under an exclusive temporary name, fsynced and renamed; a
 * snapshot's manifest is renamed into place last, so a killed or crashed snapshot leaves
 * the previous state and at worst a stray `*.tmp` that `cleanup` removes. Objects are
 * never rewritten in place. A shared lock (`lock`) is held while snapshotting or
 * restoring, an exclusive one while `cleanup` repacks.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { RollbackError } from "../errors.ts";
import { stateDir } from "../state_dir.ts";
import { EXIT_STORE_TOO_NEW } from "./exit_codes.ts";
import { type Entry, type Manifest, STORE_VERSION } from "./types.ts";
import { PackIndex } from "./pack_index.ts";

/** Where one object lives. */
export interface ObjectLocation {
  /** The pack id. */
  pack: string;
  /** Byte offset in the pack. */
  offset: number;
  /** Size in bytes. */
  size: number;
}

/**
 * The directory holding every workdir's store.
 *
 * @param env The environment (`XDG_STATE_HOME`, `HOME`).
 * @returns `<state>/rollback`.
 * @example
 * ```ts
 * import { rollbackRoot } from "./store.ts";
 * console.assert(rollbackRoot({ XDG_STATE_HOME: "/s" }) === "/s/airlock/rollback");
 * ```
 */
export function rollbackRoot(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): string {
  return `${stateDir(env)}/rollback`;
}

/**
 * The store directory of a workdir: its base name (for people) and a hash of its path.
 *
 * @param workdir The workdir's absolute real path.
 * @param env The environment.
 * @returns The store's absolute path.
 * @example
 * ```ts
 * import { storeDirFor } from "./store.ts";
 * console.assert(/\/s\/airlock\/rollback\/proj-[0-9a-f]{12}$/.test(storeDirFor("/home/a/proj", { XDG_STATE_HOME: "/s" })));
 * ```
 */
export function storeDirFor(
  workdir: string,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): string {
  const base = (workdir.split("/").filter(Boolean).pop() ?? "root").replace(
    /[^A-Za-z0-9._-]/g,
    "_",
  );
  const hash = createHash("sha256").update(workdir).digest("hex").slice(0, 12);
  return `${rollbackRoot(env)}/${base.slice(0, 40)}-${hash}`;
}

/**
 * A new snapshot id, `20260101T120000Z-` plus the milliseconds (3 hex digits) and 3
 * random hex digits, so ids sort by time even within one second.
 *
 * @param now The time (ms since the epoch).
 * @returns The id.
 * @example
 * ```ts
 * import { newSnapshotId } from "./store.ts";
 * const a = newSnapshotId(Date.UTC(2026, 0, 1, 12, 0, 0, 5));
 * const b = newSnapshotId(Date.UTC(2026, 0, 1, 12, 0, 0, 900));
 * console.assert(a.startsWith("20260101T120000Z-005") && a < b);
 * ```
 */
export function newSnapshotId(now = Date.now()): string {
  const t = new Date(now).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `${t}-${(now % 1000).toString(16).padStart(3, "0")}${randomId(2).slice(0, 3)}`;
}

/** Lookups over the indexes of every pack of a store. */
export class ObjectIndex {
  #packs: PackIndex[];

  /**
   * Wraps pack indexes.
   *
   * @param packs The indexes.
   */
  constructor(packs: PackIndex[]) {
    this.#packs = packs;
  }

  /**
   * Adds a pack's index.
   *
   * @param index The index.
   */
  add(index: PackIndex): void {
    this.#packs.push(index);
  }

  /**
   * Finds an object.
   *
   * @param hash The SHA-256 (hex).
   * @returns Its location, or undefined.
   */
  get(hash: string): ObjectLocation | undefined {
    for (const idx of this.#packs) {
      const found = idx.find(hash);
      if (found !== undefined) return { pack: idx.pack, ...found };
    }
    return undefined;
  }

  /**
   * Whether the store has an object.
   *
   * @param hash The SHA-256 (hex).
   * @returns True when some pack holds it.
   */
  has(hash: string): boolean {
    return this.get(hash) !== undefined;
  }

  /**
   * The pack indexes.
   *
   * @returns The indexes.
   */
  packs(): readonly PackIndex[] {
    return this.#packs;
  }
}

/**
 * A random id for packs and temporary names.
 *
 * @param bytes How many random bytes.
 * @returns Their hex digits.
 * @example Twelve hex digits
 * ```ts
 * import { randomId } from "./store.ts";
 * console.assert(/^[0-9a-f]{12}$/.test(randomId()));
 * ```
 */
export function randomId(bytes = 6): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) =>
    b.toString(16).padStart(2, "0")
  ).join("");
}

/**
 * Writes a file atomically: exclusive temporary name, write, fsync, rename, fsync of the
 * directory.
 *
 * @param path The final path.
 * @param data The bytes.
 * @example Replacing a file
 * ```ts
 * import { writeFileAtomic } from "./store.ts";
 * const dir = await Deno.makeTempDir();
 * writeFileAtomic(`${dir}/a`, new TextEncoder().encode("x"));
 * console.assert(Deno.readTextFileSync(`${dir}/a`) === "x");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function writeFileAtomic(path: string, data: Uint8Array): void {
  const tmp = `${path}.${randomId()}.tmp`;
  const file = Deno.openSync(tmp, { write: true, createNew: true, mode: 0o600 });
  try {
    writeAll(file, data);
    file.syncSync();
  } finally {
    file.close();
  }
  Deno.renameSync(tmp, path);
  syncDir(path.slice(0, path.lastIndexOf("/")));
}

/**
 * Writes every byte of `data` to `file`.
 *
 * @param file An open file.
 * @param data The bytes.
 * @example Short writes
 * ```ts ignore
 * writeAll(file, bytes);
 * ```
 */
export function writeAll(file: Deno.FsFile, data: Uint8Array): void {
  let off = 0;
  while (off < data.length) off += file.writeSync(data.subarray(off));
}

/**
 * Fsyncs a directory so that renames into it survive a crash.
 *
 * @param dir The directory.
 * @example After a rename
 * ```ts ignore
 * Deno.renameSync(tmp, path);
 * syncDir(dir);
 * ```
 */
export function syncDir(dir: string): void {
  try {
    const fd = Deno.openSync(dir, { read: true });
    try {
      fd.syncSync();
    } finally {
      fd.close();
    }
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic.
  }
}

/** Encodes a manifest compactly: entries as arrays. */
function encodeManifest(m: Manifest): Uint8Array {
  const { entries, ...head } = m;
  const rows = entries.map((
    e,
  ) => [e.path, e.type, e.mode, e.size, e.hash, e.mtime, e.ctime, e.ino, e.dev]);
  return new TextEncoder().encode(JSON.stringify({ ...head, entries: rows }) + "\n");
}

/** Decodes a manifest written by {@linkcode encodeManifest}. */
function decodeManifest(text: string): Manifest {
  const raw = JSON.parse(text) as Omit<Manifest, "entries"> & { entries: unknown[][] };
  const entries: Entry[] = raw.entries.map((r) => ({
    path: r[0] as string,
    type: r[1] as Entry["type"],
    mode: r[2] as number,
    size: r[3] as number,
    hash: r[4] as string,
    mtime: r[5] as number,
    ctime: r[6] as number,
    ino: r[7] as number,
    dev: r[8] as number,
  }));
  return { ...raw, entries };
}

/** One workdir's store. */
export class Store {
  /** The store directory. */
  readonly dir: string;
  /** The workdir it belongs to. */
  readonly workdir: string;
  #index: ObjectIndex | null = null;
  #packs = new Map<string, Deno.FsFile>();
  #lock: Deno.FsFile | null = null;

  private constructor(dir: string, workdir: string) {
    this.dir = dir;
    this.workdir = workdir;
  }

  /**
   * Opens a store directory, creating it (mode 0700) when `create` is set.
   *
   * @param dir The store directory.
   * @param workdir The workdir it belongs to (checked against `store.json`).
   * @param create Create the store when missing.
   * @returns The store.
   * @throws {RollbackError} (exit 4) When `store.json` has a newer layout version.
   */
  static open(dir: string, workdir: string, create: boolean): Store {
    const metaPath = `${dir}/store.json`;
    let meta: { version: number; workdir: string } | null = null;
    try {
      meta = JSON.parse(Deno.readTextFileSync(metaPath));
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound) || !create) {
        if (err instanceof Deno.errors.NotFound) throw err;
        throw new RollbackError(
          `Cannot open the rollback store ${dir}: store.json is unreadable`,
          undefined,
          {
            cause: err,
            hint: "remove the store directory to start afresh",
          },
        );
      }
    }
    if (meta !== null && meta.version > STORE_VERSION) {
      throw new RollbackError(
        `Cannot open the rollback store ${dir}: it was written by a newer airlock (layout ${meta.version}, this one reads ${STORE_VERSION})`,
        EXIT_STORE_TOO_NEW,
        { hint: "upgrade airlock" },
      );
    }
    if (meta === null) {
      for (const sub of ["", "/packs", "/snapshots"]) {
        Deno.mkdirSync(`${dir}${sub}`, { recursive: true, mode: 0o700 });
      }
      writeFileAtomic(
        metaPath,
        new TextEncoder().encode(JSON.stringify({ version: STORE_VERSION, workdir }) + "\n"),
      );
      meta = { version: STORE_VERSION, workdir };
    }
    return new Store(dir, meta.workdir);
  }

  /**
   * Takes the store's lock (shared for snapshots and restores, exclusive for cleanup).
   *
   * @param exclusive Whether to lock exclusively.
   */
  lock(exclusive: boolean): void {
    if (this.#lock !== null) return;
    const file = Deno.openSync(`${this.dir}/lock`, {
      read: true,
      write: true,
      create: true,
      mode: 0o600,
    });
    file.lockSync(exclusive);
    this.#lock = file;
  }

  /**
   * Takes the exclusive lock if it is free within `waitMs`: a run in progress holds the
   * shared lock from its snapshot until its guard is done, so a restore that cannot get
   * the exclusive lock would race the command it is meant to undo.
   *
   * @param waitMs How long to wait.
   * @returns True when locked; false when another airlock holds the lock (this process
   *   should then exit: the pending request is granted only when the lock is released).
   */
  async tryLockExclusive(waitMs: number): Promise<boolean> {
    if (this.#lock !== null) return true;
    const file = Deno.openSync(`${this.dir}/lock`, {
      read: true,
      write: true,
      create: true,
      mode: 0o600,
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const got = await Promise.race([
      file.lock(true).then(() => true),
      new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), waitMs)),
    ]);
    clearTimeout(timer);
    if (got) this.#lock = file;
    return got;
  }

  /** Closes open packs and releases the lock. */
  close(): void {
    for (const file of this.#packs.values()) file.close();
    this.#packs.clear();
    this.#lock?.close();
    this.#lock = null;
  }

  /**
   * The object index: every pack's index, loaded once (one read per pack, no parsing).
   *
   * @returns Lookups by SHA-256 (hex).
   */
  index(): ObjectIndex {
    if (this.#index !== null) return this.#index;
    const packs: PackIndex[] = [];
    for (const item of Deno.readDirSync(`${this.dir}/packs`)) {
      if (!item.name.endsWith(".idx")) continue;
      const pack = item.name.slice(0, -4);
      packs.push(new PackIndex(pack, Deno.readFileSync(`${this.dir}/packs/${item.name}`)));
    }
    this.#index = new ObjectIndex(packs);
    return this.#index;
  }

  /**
   * Records a newly committed pack in the loaded index.
   *
   * @param index The pack's index.
   */
  addToIndex(index: PackIndex): void {
    this.index().add(index);
  }

  /**
   * Reads an object's bytes (its hash is not checked here; see `verify.ts`).
   *
   * @param hash The SHA-256 (hex).
   * @returns The bytes.
   * @throws {RollbackError} When the object is missing or its pack is short.
   */
  read(hash: string): Uint8Array {
    const loc = this.index().get(hash);
    if (loc === undefined) {
      throw new RollbackError(`Cannot read object ${hash} from ${this.dir}: it is missing`, 1, {
        hint: "run airlock rollback verify ID",
      });
    }
    const out = new Uint8Array(loc.size);
    this.readAt(loc, out);
    return out;
  }

  /**
   * Reads `out.length` bytes of an object starting at `skip`.
   *
   * @param loc The object's location.
   * @param out The buffer to fill.
   * @param skip Bytes of the object to skip.
   */
  readAt(loc: ObjectLocation, out: Uint8Array, skip = 0): void {
    let file = this.#packs.get(loc.pack);
    if (file === undefined) {
      file = Deno.openSync(`${this.dir}/packs/${loc.pack}.pack`, { read: true });
      this.#packs.set(loc.pack, file);
    }
    file.seekSync(loc.offset + skip, Deno.SeekMode.Start);
    let off = 0;
    while (off < out.length) {
      const n = file.readSync(out.subarray(off));
      if (n === null || n === 0) {
        throw new RollbackError(
          `Cannot read pack ${loc.pack} in ${this.dir}: it ends before object offset ${loc.offset}`,
          1,
          { hint: "run airlock rollback verify ID" },
        );
      }
      off += n;
    }
  }

  /**
   * The ids of the committed snapshots, oldest first (ids sort by time).
   *
   * @returns Snapshot ids (each has `<id>.json`).
   */
  snapshotIds(): string[] {
    const ids: string[] = [];
    for (const item of Deno.readDirSync(`${this.dir}/snapshots`)) {
      const m = /^([0-9TZ]+-[0-9a-f]+)\.json$/.exec(item.name);
      if (m) ids.push(m[1]!);
    }
    return ids.sort();
  }

  /**
   * Reads a committed manifest.
   *
   * @param id The snapshot id.
   * @param after Read the `after` manifest of that run instead.
   * @returns The manifest, or null when there is none.
   */
  readManifest(id: string, after = false): Manifest | null {
    try {
      const text = Deno.readTextFileSync(
        `${this.dir}/snapshots/${id}${after ? ".after" : ""}.json`,
      );
      return decodeManifest(text);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return null;
      throw new RollbackError(
        `Cannot read snapshot ${id} in ${this.dir}: its manifest is corrupt`,
        1,
        {
          cause: err,
        },
      );
    }
  }

  /**
   * Commits a manifest (atomically; the snapshot exists once this returns).
   *
   * @param m The manifest.
   */
  writeManifest(m: Manifest): void {
    const name = m.kind === "after" ? `${m.of}.after.json` : `${m.id}.json`;
    writeFileAtomic(`${this.dir}/snapshots/${name}`, encodeManifest(m));
  }

  /**
   * The newest manifest (an `after` one when the last run left one), the stat cache of
   * the next snapshot.
   *
   * @returns The manifest, or null for an empty store.
   */
  latest(): Manifest | null {
    const ids = this.snapshotIds();
    const id = ids[ids.length - 1];
    if (id === undefined) return null;
    return this.readManifest(id, true) ?? this.readManifest(id);
  }
}
