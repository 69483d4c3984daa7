/**
 * The index of one pack (`packs/<id>.idx`), binary so that opening a store costs one read
 * per pack and no parsing: a 16-byte header (`ARLX`, version 1, object count, reserved),
 * then one 48-byte row per object sorted by hash — the raw SHA-256 (32 bytes), its offset
 * and its size (little-endian u64 each). Lookups are a binary search.
 *
 * @module
 */

/** Bytes per row. */
const ROW = 48;
/** Header bytes. */
const HEADER = 16;
const MAGIC = 0x584c5241; // "ARLX" little-endian

/** One indexed object: hash (hex), offset, size. */
export type IndexRow = [hash: string, offset: number, size: number];

/** Hex digit value by character code (lower case), -1 elsewhere. */
const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) NIBBLE["0123456789abcdef".charCodeAt(i)] = i;

function hexToBytes(hex: string, out: Uint8Array, at: number): void {
  for (let i = 0; i < 32; i++) {
    out[at + i] = (NIBBLE[hex.charCodeAt(i * 2)]! << 4) | NIBBLE[hex.charCodeAt(i * 2 + 1)]!;
  }
}

function bytesToHex(bytes: Uint8Array, at: number): string {
  let s = "";
  for (let i = 0; i < 32; i++) s += bytes[at + i]!.toString(16).padStart(2, "0");
  return s;
}

/**
 * Encodes an index.
 *
 * @param rows The objects (any order).
 * @returns The file's bytes.
 * @example
 * ```ts
 * import { encodePackIndex, PackIndex } from "./pack_index.ts";
 * const idx = new PackIndex("p", encodePackIndex([["ff".repeat(32), 10, 5], ["00".repeat(32), 0, 10]]));
 * console.assert(idx.find("ff".repeat(32))?.offset === 10 && idx.find("aa".repeat(32)) === undefined);
 * ```
 */
export function encodePackIndex(rows: readonly IndexRow[]): Uint8Array {
  const sorted = [...rows].sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  const out = new Uint8Array(HEADER + ROW * sorted.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, 1, true);
  view.setUint32(8, sorted.length, true);
  sorted.forEach(([hash, offset, size], i) => {
    const at = HEADER + i * ROW;
    hexToBytes(hash, out, at);
    view.setBigUint64(at + 32, BigInt(offset), true);
    view.setBigUint64(at + 40, BigInt(size), true);
  });
  return out;
}

/** A loaded pack index. */
export class PackIndex {
  /** The pack id. */
  readonly pack: string;
  /** Number of objects. */
  readonly count: number;
  #data: Uint8Array;
  #view: DataView;

  /**
   * Wraps an index file's bytes.
   *
   * @param pack The pack id.
   * @param data The file's bytes.
   * @throws {Error} When the header is not an airlock pack index or the size is wrong.
   */
  constructor(pack: string, data: Uint8Array) {
    this.pack = pack;
    this.#data = data;
    this.#view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const count = data.length >= HEADER ? this.#view.getUint32(8, true) : -1;
    if (
      data.length < HEADER || this.#view.getUint32(0, true) !== MAGIC ||
      data.length !== HEADER + count * ROW
    ) {
      throw new Error(`pack index ${pack} is malformed`);
    }
    this.count = count;
  }

  /**
   * Finds an object.
   *
   * @param hash The SHA-256 (hex, lower case).
   * @returns Its offset and size, or undefined.
   */
  find(hash: string): { offset: number; size: number } | undefined {
    const key = new Uint8Array(32);
    hexToBytes(hash, key, 0);
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = HEADER + mid * ROW;
      let cmp = 0;
      for (let i = 0; i < 32 && cmp === 0; i++) cmp = this.#data[at + i]! - key[i]!;
      if (cmp === 0) {
        return {
          offset: Number(this.#view.getBigUint64(at + 32, true)),
          size: Number(this.#view.getBigUint64(at + 40, true)),
        };
      }
      if (cmp < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /**
   * Every object of the pack.
   *
   * @returns The rows, sorted by hash.
   */
  rows(): IndexRow[] {
    const out: IndexRow[] = [];
    for (let i = 0; i < this.count; i++) {
      const at = HEADER + i * ROW;
      out.push([
        bytesToHex(this.#data, at),
        Number(this.#view.getBigUint64(at + 32, true)),
        Number(this.#view.getBigUint64(at + 40, true)),
      ]);
    }
    return out;
  }
}
