/**
 * The system keystore: the one place that picks the backend for this OS (Secret Service
 * on Linux, the keychain on macOS), plus the status line `airlock doctor` prints.
 *
 * @module
 */

import { SecretServiceKeystore } from "./linux/secret_service.ts";
import { KeychainKeystore } from "./macos/keychain.ts";
import { UnsupportedKeystore } from "./unsupported.ts";
import type { Keystore, KeystoreStatus } from "./types.ts";

export { type Keystore, KEYSTORE_SERVICE, type KeystoreStatus } from "./types.ts";
export { ACCOUNT_NAME_RULE, assertAccountName, isAccountName } from "./account_name.ts";

let keystore: Keystore | undefined;

/**
 * The keystore for this OS (created once; native libraries load on first use).
 *
 * @returns The Secret Service backend on Linux, the keychain on macOS, else one that refuses.
 * @example
 * ```ts
 * import { getKeystore } from "./mod.ts";
 * console.assert(["secret-service", "keychain", "none"].includes(getKeystore().name));
 * ```
 */
export function getKeystore(): Keystore {
  keystore ??= Deno.build.os === "linux"
    ? new SecretServiceKeystore()
    : Deno.build.os === "darwin"
    ? new KeychainKeystore()
    : new UnsupportedKeystore(Deno.build.os);
  return keystore;
}

/**
 * Probes the keystore for `airlock doctor`. Never rejects.
 *
 * @returns Backend name, whether it is usable now, and a one-line detail.
 * @example
 * ```ts ignore
 * import { keystoreStatus } from "./mod.ts";
 * const { backend, ok, detail } = await keystoreStatus();
 * console.log(`keystore  ${ok ? "ok" : "FAIL"}  ${backend}: ${detail}`);
 * ```
 */
export function keystoreStatus(): Promise<KeystoreStatus> {
  return Promise.resolve(getKeystore().status());
}
