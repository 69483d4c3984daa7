/**
 * Writing one snapshot's new objects into one pack: file contents are read straight into
 * a large write buffer, hashed there, and kept only when the store lacks them, so each
 * changed file costs one read, one hash and a share of a few large writes. The pack is
 * written under an exclusive temporary name and becomes visible only in
 * {@linkcode PackWriter.commit}, after one fsync.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { randomId, type Store, syncDir, writeAll, writeFileAtomic } from "./store.ts";
import { encodePackIndex, PackIndex } from "./pack_index.ts";

/** Size of the write buffer; files larger than a quarter of it are streamed. */
const BUFFER_BYTES = 8 * 1024 * 1024;

/** Counts of what a writer read and stored. */
export interface PackCounts {
  /** Files read. */
  read: number;
  /** Bytes read. */
  readBytes: number;
  /** Objects stored. */
  stored: number;
  /** Bytes stored. */
  storedBytes: number;
}

/** Writes new objects into one pack of a store. */
export class PackWriter {
  /** The pack id. */
  readonly id: string;
  /** What was read and stored so far. */
  readonly counts: PackCounts = { read: 0, readBytes: 0, stored: 0, storedBytes: 0 };
  #store: Store;
  #tmp: string;
  #file: Deno.FsFile | null = null;
  #buf = new Uint8Array(BUFFER_BYTES);
  #used = 0;
  #offset = 0;
  #objects: [string, number, number][] = [];
  #seen = new Set<string>();
  #present: ReadonlySet<string>;
  #maxStore: number;

  /**
   * Prepares a pack (nothing is created until the first new object).
   *
   * @param store The store.
   * @param present Hashes known to be in the store already (the previous snapshot's), checked
   *   before the store's index.
   * @param maxStore Most bytes of new objects to store; files beyond are hashed, not kept.
   */
  constructor(store: Store, present: ReadonlySet<string> = new Set(), maxStore = Infinity) {
    this.#store = store;
    this.#present = present;
    this.#maxStore = maxStore;
    this.id = `${Date.now().toString(36)}-${randomId()}`;
    this.#tmp = `${store.dir}/packs/${this.id}.pack.tmp`;
  }

  /**
   * Reads one regular file, stores its content when new and returns its hash.
   *
   * @param abs The file's absolute path.
   * @param expect The `lstat` identity the walk saw; a different file at the path fails.
   * @returns The content's SHA-256 (hex) and the bytes read.
   * @throws {Error} When the path no longer names the same regular file.
   */
  addFile(
    abs: string,
    expect: { ino: number; dev: number },
  ): { hash: string; size: number; stored: boolean } {
    const file = Deno.openSync(abs, { read: true });
    try {
      const info = file.statSync();
      if (!info.isFile || (info.ino ?? 0) !== expect.ino || (info.dev ?? 0) !== expect.dev) {
        throw new Error(`${abs} changed while the snapshot was read`);
      }
      this.counts.read++;
      if (info.size <= BUFFER_BYTES / 4) return this.#addSmall(file, info.size);
      return this.#addLarge(file, this.#fits(info.size));
    } finally {
      file.close();
    }
  }

  /** Reads a small file into the buffer; keeps it there when it is new. */
  #addSmall(file: Deno.FsFile, size: number): { hash: string; size: number; stored: boolean } {
    if (this.#used + size + 1 > this.#buf.length) this.#flush();
    const end = this.#used + size + 1; // one byte more than expected, to notice growth
    let n = 0;
    for (;;) {
      const got = file.readSync(this.#buf.subarray(this.#used + n, end));
      if (got === null || got === 0) break;
      n += got;
      if (n > size) {
        // The file grew since its lstat: stream it from the start instead.
        file.seekSync(0, Deno.SeekMode.Start);
        return this.#addLarge(file, this.#fits(size + 1));
      }
    }
    const data = this.#buf.subarray(this.#used, this.#used + n);
    const hash = createHash("sha256").update(data).digest("hex");
    this.counts.readBytes += n;
    if (this.#known(hash)) return { hash, size: n, stored: true };
    if (!this.#fits(n)) return { hash, size: n, stored: false };
    this.#record(hash, n);
    this.#used += n;
    return { hash, size: n, stored: true };
  }

  /** Whether `n` more bytes stay within the writer's store budget. */
  #fits(n: number): boolean {
    return this.counts.storedBytes + n <= this.#maxStore;
  }

  /**
   * Streams a large file into the pack while hashing (only hashing when `store` is false);
   * drops it again when known or over the budget.
   */
  #addLarge(file: Deno.FsFile, store: boolean): { hash: string; size: number; stored: boolean } {
    this.#flush();
    const out = store ? this.#open() : null;
    const start = this.#offset;
    const h = createHash("sha256");
    let n = 0;
    for (;;) {
      const got = file.readSync(this.#buf);
      if (got === null || got === 0) break;
      const chunk = this.#buf.subarray(0, got);
      h.update(chunk);
      if (out !== null) writeAll(out, chunk);
      n += got;
    }
    const hash = h.digest("hex");
    this.counts.readBytes += n;
    const known = this.#known(hash);
    if (out === null) return { hash, size: n, stored: known };
    if (known || !this.#fits(n)) {
      out.truncateSync(start);
      out.seekSync(start, Deno.SeekMode.Start);
      return { hash, size: n, stored: known };
    }
    this.#record(hash, n);
    this.#offset = start + n;
    return { hash, size: n, stored: true };
  }

  #known(hash: string): boolean {
    return this.#seen.has(hash) || this.#present.has(hash) || this.#store.index().has(hash);
  }

  #record(hash: string, size: number): void {
    this.#objects.push([hash, this.#offset + this.#used, size]);
    this.#seen.add(hash);
    this.counts.stored++;
    this.counts.storedBytes += size;
  }

  #open(): Deno.FsFile {
    if (this.#file === null) {
      this.#file = Deno.openSync(this.#tmp, { write: true, createNew: true, mode: 0o600 });
    }
    return this.#file;
  }

  #flush(): void {
    if (this.#used === 0) return;
    writeAll(this.#open(), this.#buf.subarray(0, this.#used));
    this.#offset += this.#used;
    this.#used = 0;
  }

  /**
   * Makes the pack durable and visible: fsync, rename, then its index.
   *
   * @returns The number of objects committed.
   */
  commit(): number {
    this.#flush();
    if (this.#file === null) return 0;
    this.#file.syncDataSync();
    this.#file.close();
    this.#file = null;
    const dir = `${this.#store.dir}/packs`;
    Deno.renameSync(this.#tmp, `${dir}/${this.id}.pack`);
    const index = encodePackIndex(this.#objects);
    writeFileAtomic(`${dir}/${this.id}.idx`, index);
    syncDir(dir);
    this.#store.addToIndex(new PackIndex(this.id, index));
    return this.#objects.length;
  }

  /** Drops an uncommitted pack. */
  abort(): void {
    this.#file?.close();
    this.#file = null;
    try {
      Deno.removeSync(this.#tmp);
    } catch {
      // never created
    }
  }
}
