/**
 * One HTTP/1.1 connection (upstream or client side) with its read buffer: buffered
 * reads, whole writes, and a watch read (a read kept pending while nobody reads, so a
 * peer that closes is noticed at once, and the next read simply takes it over).
 *
 * @module
 */

/** Initial read buffer size; it grows (up to the head limit) only for large heads. */
const BUFFER_BYTES = 16 * 1024;

/** A connection with a read buffer; bytes `buf[start..end)` are read but not consumed. */
export class BufferedConn {
  /** The underlying connection (TLS in production). */
  readonly conn: Deno.Conn;
  /** The read buffer. */
  buf: Uint8Array = new Uint8Array(BUFFER_BYTES);
  /** Start of unconsumed bytes. */
  start = 0;
  /** End of unconsumed bytes. */
  end = 0;
  /**
   * Whether a byte was read since the pool handed the connection out (a reused
   * connection that fails before that was closed by the server while idle).
   */
  used = false;
  #pending: Promise<number | null> | undefined;
  #closed = false;

  /**
   * @param conn The connection to wrap.
   * @param initial Bytes already read from it.
   */
  constructor(conn: Deno.Conn, initial?: Uint8Array) {
    this.conn = conn;
    if (initial && initial.length > 0) {
      if (initial.length > this.buf.length) this.buf = new Uint8Array(initial.length);
      this.buf.set(initial);
      this.end = initial.length;
    }
  }

  /** Whether {@linkcode close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Number of unconsumed bytes. */
  get available(): number {
    return this.end - this.start;
  }

  /**
   * Reads more bytes into the buffer (compacting it or growing it up to `limit`).
   *
   * @param limit Largest buffer size allowed.
   * @returns False at end of input.
   * @throws {RangeError} When `limit` bytes are buffered and more are needed.
   */
  async fill(limit = BUFFER_BYTES): Promise<boolean> {
    let n: number | null;
    if (this.#pending) {
      n = await this.#pending;
      this.#pending = undefined;
    } else {
      this.#makeRoom(limit);
      n = await this.conn.read(this.buf.subarray(this.end));
    }
    if (n === null) return false;
    this.used = true;
    this.end += n;
    return true;
  }

  #makeRoom(limit: number): void {
    if (this.start === this.end) {
      this.start = this.end = 0;
      return;
    }
    if (this.end < this.buf.length) return;
    if (this.start > 0) {
      this.buf.copyWithin(0, this.start, this.end);
      this.end -= this.start;
      this.start = 0;
      return;
    }
    if (this.buf.length >= limit) {
      throw new RangeError(`Cannot read the upstream response: more than ${limit} bytes needed`);
    }
    const bigger = new Uint8Array(Math.min(limit, this.buf.length * 2));
    bigger.set(this.buf.subarray(0, this.end));
    this.buf = bigger;
  }

  /**
   * Takes up to `max` unconsumed bytes as a fresh copy.
   *
   * @param max Largest number of bytes to take.
   * @returns The bytes.
   */
  take(max: number): Uint8Array {
    const n = Math.min(max, this.end - this.start);
    const out = this.buf.slice(this.start, this.start + n);
    this.start += n;
    return out;
  }

  /**
   * Writes all of `data`.
   *
   * @param data The bytes.
   */
  async writeAll(data: Uint8Array): Promise<void> {
    let off = 0;
    while (off < data.length) off += await this.conn.write(data.subarray(off));
  }

  /**
   * Starts a watch read: a read kept pending (into the free end of the buffer) while
   * nobody else reads, so a peer that closes is noticed at once. The next
   * {@linkcode fill} takes that read over.
   *
   * @param onSettle Called when that read settles, with the byte count (null at end of
   *   input, also null when it failed); the caller ignores it if it is reading again.
   */
  watch(onSettle: (n: number | null) => void): void {
    if (this.#pending || this.end === this.buf.length && this.start === 0) return;
    this.#makeRoom(this.buf.length);
    const pending = this.conn.read(this.buf.subarray(this.end));
    this.#pending = pending;
    pending.then(onSettle, () => onSettle(null));
  }

  /** Closes the connection (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }
}
