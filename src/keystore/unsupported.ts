/**
 * The keystore on an OS airlock has no backend for: every call fails with a hint to use
 * `env:`, `file:` or `cmd:` references instead.
 *
 * @module
 */

import { KeystoreError } from "../errors.ts";
import type { SecretBytes } from "../credentials/secret_bytes.ts";
import type { Keystore, KeystoreStatus } from "./types.ts";

/**
 * {@linkcode Keystore} that refuses everything.
 *
 * @example
 * ```ts
 * import { UnsupportedKeystore } from "./unsupported.ts";
 * console.assert(new UnsupportedKeystore("windows").status().ok === false);
 * ```
 */
export class UnsupportedKeystore implements Keystore {
  /** Backend name for messages. */
  readonly name = "none";
  #os: string;

  /**
   * Creates the keystore for an OS without a backend.
   *
   * @param os The operating system's name (`Deno.build.os`).
   */
  constructor(os: string) {
    this.#os = os;
  }

  /**
   * Refuses to store a credential.
   *
   * @throws {KeystoreError} Always.
   */
  set(account: string, _secret: SecretBytes): void {
    throw this.#error(`store credential "${account}"`);
  }

  /**
   * Refuses to read a credential.
   *
   * @throws {KeystoreError} Always.
   */
  get(account: string): SecretBytes | null {
    throw this.#error(`read credential "${account}"`);
  }

  /**
   * Refuses to remove a credential.
   *
   * @throws {KeystoreError} Always.
   */
  remove(account: string): boolean {
    throw this.#error(`remove credential "${account}"`);
  }

  /**
   * Refuses to list credentials.
   *
   * @throws {KeystoreError} Always.
   */
  list(): string[] {
    throw this.#error("list credentials");
  }

  /**
   * Reports that this OS has no keystore backend.
   *
   * @returns Not ok, naming the OS.
   */
  status(): KeystoreStatus {
    return { backend: this.name, ok: false, detail: `no keystore backend for ${this.#os}` };
  }

  #error(action: string): KeystoreError {
    return new KeystoreError(`Cannot ${action}: airlock has no keystore backend for ${this.#os}`, {
      hint: "Use env:VAR, file:PATH or cmd:COMMAND credential references",
    });
  }
}
