/**
 * {@linkcode ByteBuffer}: collects a secret arriving in chunks (a file, a helper's stdout,
 * stdin) and wipes every intermediate copy, so growing the buffer leaves no stray bytes.
 *
 * @module
 */

import { SecretBytes } from "./secret_bytes.ts";

/** The largest secret airlock accepts from any source (1 MiB). */
export const MAX_SECRET_BYTES = 1024 * 1024;

/**
 * A growable byte buffer that wipes what it discards.
 *
 * @example Collect, trim one newline, take
 * ```ts
 * import { ByteBuffer } from "./byte_buffer.ts";
 * const buffer = new ByteBuffer();
 * buffer.push(new Uint8Array([97, 98]));
 * buffer.push(new Uint8Array([10]));
 * using secret = buffer.take({ trimNewline: true });
 * console.assert(secret.length === 2);
 * ```
 */
export class ByteBuffer {
  #data = new Uint8Array(256);
  #length = 0;

  /** Bytes collected so far. */
  get length(): number {
    return this.#length;
  }

  /**
   * Appends a copy of `chunk`. The caller wipes `chunk` if it held secret bytes.
   *
   * @param chunk The bytes to append.
   */
  push(chunk: Uint8Array): void {
    if (this.#length + chunk.length > this.#data.length) {
      let size = this.#data.length * 2;
      while (size < this.#length + chunk.length) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.#data.subarray(0, this.#length));
      this.#data.fill(0);
      this.#data = grown;
    }
    this.#data.set(chunk, this.#length);
    this.#length += chunk.length;
  }

  /** Drops the last UTF-8 character (a terminal's backspace), wiping its bytes. */
  popCharacter(): void {
    while (this.#length > 0) {
      this.#length -= 1;
      const byte = this.#data[this.#length]!;
      this.#data[this.#length] = 0;
      if ((byte & 0xc0) !== 0x80) return; // stop after the lead (or ASCII) byte
    }
  }

  /**
   * Moves the content into a {@linkcode SecretBytes} of exact size and wipes the buffer.
   *
   * @param options `trimNewline`: drop one trailing `\n` (or `\r\n`).
   * @returns The secret; the buffer is empty afterwards.
   */
  take(options: { trimNewline?: boolean } = {}): SecretBytes {
    let end = this.#length;
    if (options.trimNewline && end > 0 && this.#data[end - 1] === 0x0a) {
      end -= 1;
      if (end > 0 && this.#data[end - 1] === 0x0d) end -= 1;
    }
    const secret = SecretBytes.copyOf(this.#data.subarray(0, end));
    this.wipe();
    return secret;
  }

  /** Zeroes everything collected and empties the buffer. */
  wipe(): void {
    this.#data.fill(0);
    this.#length = 0;
  }

  /** Wipes the buffer when a `using` declaration leaves scope. */
  [Symbol.dispose](): void {
    this.wipe();
  }
}
