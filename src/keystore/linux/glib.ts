/**
 * Typed helpers over the raw GLib and GObject bindings: the libraries opened once, C
 * strings, string hash tables, `GList` walking and `GError` capture. Used only by the
 * Secret Service backend.
 *
 * Requires `--allow-ffi`.
 *
 * @module
 */

import { GERROR_OFFSET, type GlibLibrary, GLIST_OFFSET, openGlib } from "../../../ffi/glib.ts";
import { type GobjectLibrary, openGobject } from "../../../ffi/gobject.ts";

let glib: GlibLibrary | undefined;
let gobject: GobjectLibrary | undefined;

/**
 * GLib's symbols, the library opened on first use.
 *
 * @returns The bound GLib symbols.
 * @throws {Error} When `libglib-2.0.so.0` cannot be loaded.
 */
export function glibSymbols(): GlibLibrary["symbols"] {
  glib ??= openGlib();
  return glib.symbols;
}

/**
 * GObject's symbols, the library opened on first use.
 *
 * @returns The bound GObject symbols.
 * @throws {Error} When `libgobject-2.0.so.0` cannot be loaded.
 */
export function gobjectSymbols(): GobjectLibrary["symbols"] {
  gobject ??= openGobject();
  return gobject.symbols;
}

/**
 * A NUL-terminated UTF-8 copy of `text`, to pass as a `const gchar *`. Never used for secrets.
 *
 * @param text The string.
 * @returns The bytes with a trailing NUL.
 */
export function cString(text: string): Uint8Array<ArrayBuffer> {
  const encoded = new TextEncoder().encode(text);
  const out = new Uint8Array(encoded.length + 1);
  out.set(encoded);
  return out;
}

/**
 * Reads a C string, or returns undefined for NULL.
 *
 * @param pointer A `const gchar *`.
 * @returns The decoded string.
 */
export function readCString(pointer: Deno.PointerValue): string | undefined {
  return pointer === null ? undefined : Deno.UnsafePointerView.getCString(pointer);
}

/** A `GError` copied out of C memory (the C struct is freed). Never carries a secret. */
export class GLibError extends Error {
  /** The error domain's quark name, e.g. `g-io-error-quark`, `secret-error`. */
  readonly domain: string;
  /** The domain-specific error code. */
  readonly code: number;

  /**
   * Captures a GError's fields.
   *
   * @param domain The domain's quark name.
   * @param code The code.
   * @param message GLib's message.
   */
  constructor(domain: string, code: number, message: string) {
    super(message);
    this.name = "GLibError";
    this.domain = domain;
    this.code = code;
  }
}

/**
 * Calls `fn` with a fresh `GError **` slot; when the call set an error, frees it and throws
 * a {@linkcode GLibError} carrying its domain, code and message.
 *
 * @param fn The C call, given the slot to pass as its last argument.
 * @returns What `fn` returned.
 * @throws {GLibError} When the call reported a `GError`.
 */
export function withGError<T>(fn: (errorSlot: BigUint64Array<ArrayBuffer>) => T): T {
  const slot = new BigUint64Array(1);
  const result = fn(slot);
  const errorPointer = Deno.UnsafePointer.create(slot[0]!);
  if (errorPointer === null) return result;
  const view = new Deno.UnsafePointerView(errorPointer);
  const domainName = readCString(
    glibSymbols().g_quark_to_string(view.getUint32(GERROR_OFFSET.domain)),
  );
  const error = new GLibError(
    domainName ?? "unknown",
    view.getInt32(GERROR_OFFSET.code),
    readCString(view.getPointer(GERROR_OFFSET.message)) ?? "",
  );
  glibSymbols().g_error_free(errorPointer);
  throw error;
}

/**
 * A `GHashTable` of C strings (`g_str_hash`/`g_str_equal`) whose keys and values are kept
 * alive by this object until {@linkcode StringTable.free}. Never used for secrets.
 */
export class StringTable {
  /** The `GHashTable *`. */
  readonly pointer: Deno.PointerObject;
  #keep: Uint8Array[] = [];

  /**
   * Creates the table and inserts the entries.
   *
   * @param entries Key/value pairs; a null value inserts `NULL`.
   * @throws {Error} When GLib cannot allocate the table.
   */
  constructor(entries: Iterable<[string, string | null]>) {
    const g = glibSymbols();
    const table = g.g_hash_table_new(g.g_str_hash, g.g_str_equal);
    if (table === null) throw new Error("g_hash_table_new returned NULL");
    this.pointer = table;
    for (const [key, value] of entries) {
      const k = cString(key);
      const v = value === null ? null : cString(value);
      this.#keep.push(k);
      if (v) this.#keep.push(v);
      g.g_hash_table_insert(table, k, v);
    }
  }

  /** Drops the table; the kept strings become collectable. */
  free(): void {
    glibSymbols().g_hash_table_unref(this.pointer);
    this.#keep = [];
  }
}

/**
 * Looks up a string value in a `GHashTable` of strings that C code returned.
 *
 * @param table A `GHashTable *` with `gchar *` keys and values.
 * @param key The key.
 * @returns The value, or undefined when absent.
 */
export function tableLookup(table: Deno.PointerObject, key: string): string | undefined {
  return readCString(glibSymbols().g_hash_table_lookup(table, cString(key)));
}

/**
 * The `data` pointers of a `GList`, in order. The list itself is not freed.
 *
 * @param list A `GList *` (NULL is the empty list).
 * @returns The elements' data pointers.
 */
export function listData(list: Deno.PointerValue): Deno.PointerObject[] {
  const out: Deno.PointerObject[] = [];
  for (let node = list; node !== null;) {
    const view = new Deno.UnsafePointerView(node);
    const data = view.getPointer(GLIST_OFFSET.data);
    if (data !== null) out.push(data);
    node = view.getPointer(GLIST_OFFSET.next);
  }
  return out;
}

/**
 * Unrefs every object of a `GList` of GObjects, then frees the list.
 *
 * @param list A `GList *` owning one reference to each element.
 */
export function freeObjectList(list: Deno.PointerValue): void {
  if (list === null) return;
  for (const object of listData(list)) gobjectSymbols().g_object_unref(object);
  glibSymbols().g_list_free(list);
}
