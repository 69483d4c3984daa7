/**
 * The `Keystore` contract every backend implements (Linux Secret Service, macOS
 * Keychain), and the status record `airlock doctor` prints.
 *
 * @module
 */

import type { SecretBytes } from "../credentials/secret_bytes.ts";

/** The service every airlock item is stored under (`service=airlock`, `-s airlock`). */
export const KEYSTORE_SERVICE = "airlock";

/**
 * A keystore backend holding generic passwords under service `airlock`, one item per
 * account name. Every method is synchronous (one blocking native call) and throws a
 * {@linkcode import("../errors.ts").KeystoreError} naming the account, never a value.
 */
export interface Keystore {
  /** Backend name for messages (`secret-service`, `keychain`). */
  readonly name: string;
  /**
   * Stores (or overwrites) the secret for `account`. The caller still owns and wipes
   * `secret`; the backend wipes its own copies.
   */
  set(account: string, secret: SecretBytes): void;
  /** Looks up the secret for `account`; null when there is none. The caller wipes the result. */
  get(account: string): SecretBytes | null;
  /** Removes the item; returns whether one existed. */
  remove(account: string): boolean;
  /** Names of the stored accounts, sorted (never values). */
  list(): string[];
  /** Probes whether the backend is usable, for `airlock doctor`. Never throws. */
  status(): KeystoreStatus;
}

/** What `airlock doctor` shows about the keystore. */
export interface KeystoreStatus {
  /** Backend name (`secret-service`, `keychain`, or `none`). */
  backend: string;
  /** Whether items can be read and written now. */
  ok: boolean;
  /** One line: what was found, or what is wrong and how to fix it. */
  detail: string;
}
