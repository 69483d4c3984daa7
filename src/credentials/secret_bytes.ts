/**
 * {@linkcode SecretBytes}: a secret held as bytes that can be wiped, and that prints as
 * `[REDACTED]` however it is logged, inspected or serialised.
 *
 * @module
 */

import { inspect } from "node:util";

/** What every textual view of a secret shows. */
export const REDACTED = "[REDACTED]";

/**
 * A secret value as bytes. The object owns its `Uint8Array`: {@linkcode SecretBytes.wipe}
 * (or leaving a `using` block) fills it with zeros. `console.log`, `Deno.inspect`,
 * `node:util` `inspect`, `JSON.stringify`, template strings and `String()` all show
 * `[REDACTED]`.
 *
 * @example Use, then wipe
 * ```ts
 * import { SecretBytes } from "./secret_bytes.ts";
 * const secret = new SecretBytes(new Uint8Array([115, 107]));
 * console.assert(secret.use((bytes) => bytes.length) === 2);
 * console.assert(`${secret}` === "[REDACTED]");
 * console.assert(JSON.stringify({ secret }) === '{"secret":"[REDACTED]"}');
 * secret.wipe();
 * console.assert(secret.wiped);
 * ```
 */
export class SecretBytes {
  #bytes: Uint8Array<ArrayBuffer>;
  #wiped = false;

  /**
   * Takes ownership of `bytes` (no copy): the caller must not keep or reuse the array.
   *
   * @param bytes The secret.
   */
  constructor(bytes: Uint8Array<ArrayBuffer>) {
    this.#bytes = bytes;
  }

  /**
   * Copies bytes from memory the caller will wipe or free itself.
   *
   * @param source The bytes to copy.
   * @returns A new secret owning the copy.
   */
  static copyOf(source: Uint8Array): SecretBytes {
    const copy = new Uint8Array(source.length);
    copy.set(source);
    return new SecretBytes(copy);
  }

  /** The secret's length in bytes (0 once wiped). */
  get length(): number {
    return this.#wiped ? 0 : this.#bytes.length;
  }

  /** Whether {@linkcode SecretBytes.wipe} has run. */
  get wiped(): boolean {
    return this.#wiped;
  }

  /**
   * Runs `fn` with the live bytes. `fn` must not keep the array or make a string of it.
   *
   * @param fn Receives the secret bytes.
   * @returns What `fn` returned.
   * @throws {TypeError} When the secret was wiped.
   */
  use<T>(fn: (bytes: Uint8Array<ArrayBuffer>) => T): T {
    return fn(this.bytes());
  }

  /**
   * The live bytes (not a copy): wiping the secret zeroes them too.
   *
   * @returns The secret bytes.
   * @throws {TypeError} When the secret was wiped.
   */
  bytes(): Uint8Array<ArrayBuffer> {
    if (this.#wiped) throw new TypeError("Cannot read secret: it was wiped");
    return this.#bytes;
  }

  /** Fills the bytes with zeros; later reads throw. Safe to call twice. */
  wipe(): void {
    this.#bytes.fill(0);
    this.#wiped = true;
  }

  /** Wipes the secret when a `using` declaration leaves scope. */
  [Symbol.dispose](): void {
    this.wipe();
  }

  /**
   * The string form, for template strings and `String()`.
   *
   * @returns `[REDACTED]`
   */
  toString(): string {
    return REDACTED;
  }

  /**
   * The JSON form, for `JSON.stringify`.
   *
   * @returns `[REDACTED]`
   */
  toJSON(): string {
    return REDACTED;
  }

  /**
   * The primitive form, for `+` and comparisons.
   *
   * @returns `[REDACTED]`
   */
  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  /**
   * The inspected form, for `Deno.inspect` and `console.log`.
   *
   * @returns `[REDACTED]`
   */
  [Symbol.for("Deno.customInspect")](): string {
    return REDACTED;
  }

  /**
   * The inspected form, for `node:util` `inspect`.
   *
   * @returns `[REDACTED]`
   */
  [inspect.custom](): string {
    return REDACTED;
  }
}
