/**
 * Raw bindings to CoreFoundation (macOS): the dictionaries, strings, data and arrays
 * Security.framework's keychain calls take and return. Symbol table and constants only;
 * the typed wrappers live in `src/keystore/macos/`.
 *
 * Statics declared `{ type: "pointer" }` give the symbol's ADDRESS: for a variable such as
 * `const CFBooleanRef kCFBooleanTrue` read the value at that address; for a struct such
 * as `kCFTypeDictionaryKeyCallBacks` the address is what C code passes.
 *
 * @module
 */

/** CoreFoundation's path (macOS only). */
export const CORE_FOUNDATION_PATH =
  "/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation";

/** `kCFStringEncodingUTF8`. */
export const K_CF_STRING_ENCODING_UTF8 = 0x08000100;

/** CoreFoundation symbols airlock uses, each with its C prototype. */
export const coreFoundationSymbols = {
  /**
   * `CFMutableDictionaryRef CFDictionaryCreateMutable (CFAllocatorRef allocator,
   *   CFIndex capacity, const CFDictionaryKeyCallBacks *keyCallBacks,
   *   const CFDictionaryValueCallBacks *valueCallBacks);`
   */
  CFDictionaryCreateMutable: {
    parameters: [
      "pointer", // CFAllocatorRef allocator (NULL: default)
      "isize", // CFIndex capacity
      "pointer", // const CFDictionaryKeyCallBacks *keyCallBacks
      "pointer", // const CFDictionaryValueCallBacks *valueCallBacks
    ],
    result: "pointer", // CFMutableDictionaryRef
  },
  /** `void CFDictionarySetValue (CFMutableDictionaryRef theDict, const void *key, const void *value);` */
  CFDictionarySetValue: {
    parameters: [
      "pointer", // CFMutableDictionaryRef theDict
      "pointer", // const void *key
      "pointer", // const void *value
    ],
    result: "void",
  },
  /** `const void *CFDictionaryGetValue (CFDictionaryRef theDict, const void *key);` */
  CFDictionaryGetValue: {
    parameters: [
      "pointer", // CFDictionaryRef theDict
      "pointer", // const void *key
    ],
    result: "pointer", // const void * (not retained)
  },
  /** `CFDataRef CFDataCreate (CFAllocatorRef allocator, const UInt8 *bytes, CFIndex length);` */
  CFDataCreate: {
    parameters: [
      "pointer", // CFAllocatorRef allocator
      "buffer", // const UInt8 *bytes
      "isize", // CFIndex length
    ],
    result: "pointer", // CFDataRef
  },
  /** `CFIndex CFDataGetLength (CFDataRef theData);` */
  CFDataGetLength: {
    parameters: [
      "pointer", // CFDataRef theData
    ],
    result: "isize", // CFIndex
  },
  /** `const UInt8 *CFDataGetBytePtr (CFDataRef theData);` */
  CFDataGetBytePtr: {
    parameters: [
      "pointer", // CFDataRef theData
    ],
    result: "pointer", // const UInt8 *
  },
  /**
   * `CFStringRef CFStringCreateWithBytes (CFAllocatorRef alloc, const UInt8 *bytes,
   *   CFIndex numBytes, CFStringEncoding encoding, Boolean isExternalRepresentation);`
   */
  CFStringCreateWithBytes: {
    parameters: [
      "pointer", // CFAllocatorRef alloc
      "buffer", // const UInt8 *bytes
      "isize", // CFIndex numBytes
      "u32", // CFStringEncoding encoding
      "u8", // Boolean isExternalRepresentation
    ],
    result: "pointer", // CFStringRef
  },
  /**
   * `Boolean CFStringGetCString (CFStringRef theString, char *buffer, CFIndex bufferSize,
   *   CFStringEncoding encoding);`
   */
  CFStringGetCString: {
    parameters: [
      "pointer", // CFStringRef theString
      "buffer", // char *buffer
      "isize", // CFIndex bufferSize
      "u32", // CFStringEncoding encoding
    ],
    result: "u8", // Boolean
  },
  /** `CFIndex CFArrayGetCount (CFArrayRef theArray);` */
  CFArrayGetCount: {
    parameters: [
      "pointer", // CFArrayRef theArray
    ],
    result: "isize", // CFIndex
  },
  /** `const void *CFArrayGetValueAtIndex (CFArrayRef theArray, CFIndex idx);` */
  CFArrayGetValueAtIndex: {
    parameters: [
      "pointer", // CFArrayRef theArray
      "isize", // CFIndex idx
    ],
    result: "pointer", // const void * (not retained)
  },
  /** `void CFRelease (CFTypeRef cf);` */
  CFRelease: {
    parameters: [
      "pointer", // CFTypeRef cf
    ],
    result: "void",
  },
  /** `const CFDictionaryKeyCallBacks kCFTypeDictionaryKeyCallBacks;` (address) */
  kCFTypeDictionaryKeyCallBacks: { type: "pointer" },
  /** `const CFDictionaryValueCallBacks kCFTypeDictionaryValueCallBacks;` (address) */
  kCFTypeDictionaryValueCallBacks: { type: "pointer" },
  /** `const CFBooleanRef kCFBooleanTrue;` (address of the variable) */
  kCFBooleanTrue: { type: "pointer" },
} as const;

/** The opened CoreFoundation library. */
export type CoreFoundationLibrary = Deno.DynamicLibrary<typeof coreFoundationSymbols>;

/**
 * Opens CoreFoundation. Requires `--allow-ffi`; macOS only.
 *
 * @returns The library with {@linkcode coreFoundationSymbols} bound.
 * @throws {Error} When the framework cannot be loaded (any other OS).
 */
export function openCoreFoundation(): CoreFoundationLibrary {
  return Deno.dlopen(CORE_FOUNDATION_PATH, coreFoundationSymbols);
}
