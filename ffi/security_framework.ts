/**
 * Raw bindings to Security.framework (macOS): the keychain item calls and the
 * `kSec…` constant names. Symbol table and constants only; the typed wrapper is
 * `src/keystore/macos/keychain.ts`.
 *
 * The `kSec…` statics are `const CFStringRef` variables: `{ type: "pointer" }` gives the
 * variable's ADDRESS, and the CFStringRef is the pointer stored there.
 *
 * @module
 */

/** Security.framework's path (macOS only). */
export const SECURITY_FRAMEWORK_PATH = "/System/Library/Frameworks/Security.framework/Security";

/** `OSStatus` codes airlock distinguishes. */
export const OS_STATUS = {
  errSecSuccess: 0,
  errSecUserCanceled: -128,
  errSecAuthFailed: -25293,
  errSecNoSuchKeychain: -25294,
  errSecNotAvailable: -25291,
  errSecDuplicateItem: -25299,
  errSecItemNotFound: -25300,
  errSecInteractionNotAllowed: -25308,
} as const;

/** The `kSec…` CFStringRef constants airlock uses, by name. */
export const SEC_CONSTANT_NAMES = [
  "kSecClass",
  "kSecClassGenericPassword",
  "kSecAttrService",
  "kSecAttrAccount",
  "kSecAttrLabel",
  "kSecValueData",
  "kSecReturnData",
  "kSecReturnAttributes",
  "kSecMatchLimit",
  "kSecMatchLimitOne",
  "kSecMatchLimitAll",
] as const;

/** One of {@linkcode SEC_CONSTANT_NAMES}. */
export type SecConstantName = typeof SEC_CONSTANT_NAMES[number];

/** Security.framework symbols airlock uses, each with its C prototype. */
export const securitySymbols = {
  /** `OSStatus SecItemAdd (CFDictionaryRef attributes, CFTypeRef *result);` */
  SecItemAdd: {
    parameters: [
      "pointer", // CFDictionaryRef attributes
      "pointer", // CFTypeRef *result (NULL: no result wanted)
    ],
    result: "i32", // OSStatus
  },
  /** `OSStatus SecItemCopyMatching (CFDictionaryRef query, CFTypeRef *result);` */
  SecItemCopyMatching: {
    parameters: [
      "pointer", // CFDictionaryRef query
      "buffer", // CFTypeRef *result (caller releases)
    ],
    result: "i32", // OSStatus
  },
  /** `OSStatus SecItemUpdate (CFDictionaryRef query, CFDictionaryRef attributesToUpdate);` */
  SecItemUpdate: {
    parameters: [
      "pointer", // CFDictionaryRef query
      "pointer", // CFDictionaryRef attributesToUpdate
    ],
    result: "i32", // OSStatus
  },
  /** `OSStatus SecItemDelete (CFDictionaryRef query);` */
  SecItemDelete: {
    parameters: [
      "pointer", // CFDictionaryRef query
    ],
    result: "i32", // OSStatus
  },
  /** `const CFStringRef kSecClass;` and the other constants: addresses of the variables. */
  kSecClass: { type: "pointer" },
  kSecClassGenericPassword: { type: "pointer" },
  kSecAttrService: { type: "pointer" },
  kSecAttrAccount: { type: "pointer" },
  kSecAttrLabel: { type: "pointer" },
  kSecValueData: { type: "pointer" },
  kSecReturnData: { type: "pointer" },
  kSecReturnAttributes: { type: "pointer" },
  kSecMatchLimit: { type: "pointer" },
  kSecMatchLimitOne: { type: "pointer" },
  kSecMatchLimitAll: { type: "pointer" },
} as const;

/** The opened Security framework. */
export type SecurityLibrary = Deno.DynamicLibrary<typeof securitySymbols>;

/**
 * Opens Security.framework. Requires `--allow-ffi`; macOS only.
 *
 * @returns The library with {@linkcode securitySymbols} bound.
 * @throws {Error} When the framework cannot be loaded (any other OS).
 */
export function openSecurity(): SecurityLibrary {
  return Deno.dlopen(SECURITY_FRAMEWORK_PATH, securitySymbols);
}
