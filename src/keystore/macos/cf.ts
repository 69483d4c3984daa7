/**
 * Typed helpers over CoreFoundation and the Security constants: build a CFDictionary from
 * a {@linkcode KeychainQuery}, read CFStrings and CFData, release what we own. macOS only;
 * the libraries open on first use.
 *
 * Requires `--allow-ffi`.
 *
 * @module
 */

import {
  type CoreFoundationLibrary,
  K_CF_STRING_ENCODING_UTF8,
  openCoreFoundation,
} from "../../../ffi/core_foundation.ts";
import {
  openSecurity,
  type SecConstantName,
  type SecurityLibrary,
} from "../../../ffi/security_framework.ts";
import type { KeychainQuery } from "./keychain_query.ts";

let cf: CoreFoundationLibrary | undefined;
let security: SecurityLibrary | undefined;

/**
 * CoreFoundation's symbols, opened on first use.
 *
 * @returns The bound symbols.
 * @throws {Error} When not on macOS.
 */
export function cfSymbols(): CoreFoundationLibrary["symbols"] {
  cf ??= openCoreFoundation();
  return cf.symbols;
}

/**
 * Security.framework's symbols, opened on first use.
 *
 * @returns The bound symbols.
 * @throws {Error} When not on macOS.
 */
export function securitySymbols(): SecurityLibrary["symbols"] {
  security ??= openSecurity();
  return security.symbols;
}

/** Reads the pointer stored in a static variable whose address Deno gave. */
function deref(address: Deno.PointerValue): Deno.PointerObject {
  const value = address === null ? null : new Deno.UnsafePointerView(address).getPointer(0);
  if (value === null) throw new Error("Cannot read a CoreFoundation constant: it is NULL");
  return value;
}

/**
 * The CFStringRef of a `kSec…` constant.
 *
 * @param name The constant's name.
 * @returns The CFStringRef (not owned: never released).
 */
export function secConstant(name: SecConstantName): Deno.PointerObject {
  return deref(securitySymbols()[name]);
}

/**
 * A new CFString (owned: release it).
 *
 * @param text The string.
 * @returns The CFStringRef.
 */
export function cfString(text: string): Deno.PointerObject {
  const bytes = new TextEncoder().encode(text);
  const ref = cfSymbols().CFStringCreateWithBytes(
    null,
    bytes,
    BigInt(bytes.length),
    K_CF_STRING_ENCODING_UTF8,
    0,
  );
  if (ref === null) throw new Error("CFStringCreateWithBytes returned NULL");
  return ref;
}

/**
 * Reads a CFString as UTF-8.
 *
 * @param ref A CFStringRef.
 * @returns The text, or undefined when it cannot be converted.
 */
export function readCfString(ref: Deno.PointerObject): string | undefined {
  const buffer = new Uint8Array(1024);
  if (
    !cfSymbols().CFStringGetCString(ref, buffer, BigInt(buffer.length), K_CF_STRING_ENCODING_UTF8)
  ) {
    return undefined;
  }
  const end = buffer.indexOf(0);
  return new TextDecoder().decode(buffer.subarray(0, end < 0 ? buffer.length : end));
}

/**
 * Copies a CFData's bytes, then zeroes the CFData's own buffer before the caller releases it.
 *
 * @param ref A CFDataRef the caller owns.
 * @returns A copy of the bytes.
 */
export function takeCfData(ref: Deno.PointerObject): Uint8Array<ArrayBuffer> {
  const s = cfSymbols();
  const length = Number(s.CFDataGetLength(ref));
  const out = new Uint8Array(length);
  const data = s.CFDataGetBytePtr(ref);
  if (data !== null && length > 0) {
    Deno.UnsafePointerView.copyInto(data, out);
    new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(data, length)).fill(0);
  }
  return out;
}

/** A CFDictionary built from a {@linkcode KeychainQuery}, releasing everything it created. */
export class CfDictionary {
  /** The CFMutableDictionaryRef. */
  readonly pointer: Deno.PointerObject;
  #owned: Deno.PointerObject[] = [];
  #secretData: { pointer: Deno.PointerObject; length: number } | undefined;

  /**
   * Creates the dictionary and sets every pair.
   *
   * @param query The key/value pairs.
   * @param secret The bytes for a `secret` value (copied into a CFData, wiped on release).
   */
  constructor(query: KeychainQuery, secret?: Uint8Array<ArrayBuffer>) {
    const s = cfSymbols();
    const dict = s.CFDictionaryCreateMutable(
      null,
      0n,
      s.kCFTypeDictionaryKeyCallBacks,
      s.kCFTypeDictionaryValueCallBacks,
    );
    if (dict === null) throw new Error("CFDictionaryCreateMutable returned NULL");
    this.pointer = dict;
    for (const [key, value] of query) {
      s.CFDictionarySetValue(dict, secConstant(key), this.#value(value, secret));
    }
  }

  #value(value: KeychainQuery[number][1], secret?: Uint8Array<ArrayBuffer>): Deno.PointerObject {
    const s = cfSymbols();
    switch (value.kind) {
      case "constant":
        return secConstant(value.name);
      case "true":
        return deref(s.kCFBooleanTrue);
      case "string": {
        const ref = cfString(value.text);
        this.#owned.push(ref);
        return ref;
      }
      case "secret": {
        if (secret === undefined) throw new Error("A keychain query needs the secret bytes");
        const ref = s.CFDataCreate(null, secret, BigInt(secret.length));
        if (ref === null) throw new Error("CFDataCreate returned NULL");
        this.#owned.push(ref);
        this.#secretData = { pointer: ref, length: secret.length };
        return ref;
      }
    }
  }

  /** Wipes the secret's CFData copy, then releases the dictionary and what it created. */
  release(): void {
    const s = cfSymbols();
    if (this.#secretData && this.#secretData.length > 0) {
      const bytes = s.CFDataGetBytePtr(this.#secretData.pointer);
      if (bytes !== null) {
        new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(bytes, this.#secretData.length)).fill(
          0,
        );
      }
    }
    s.CFRelease(this.pointer);
    for (const ref of this.#owned) s.CFRelease(ref);
    this.#owned = [];
  }
}
