/**
 * The `Keystore` contract and secret-holding types.
 *
 * @module
 */

/** A keystore backend: Linux Secret Service or macOS Keychain, items under service `airlock`. */
export interface Keystore {
  /** Backend name for messages (`secret-service`, `keychain`). */
  readonly name: string;
  /** Stores (or overwrites) the secret for `account`. The caller wipes `secret` afterwards. */
  set(account: string, secret: Uint8Array): void;
  /** Looks up the secret for `account`; null when there is none. The caller wipes the result. */
  get(account: string): Uint8Array | null;
  /** Removes the item; returns whether one existed. */
  remove(account: string): boolean;
  /** Names of the stored accounts (never values). */
  list(): string[];
}
