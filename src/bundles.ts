/**
 * Whether a pre-built bundle may be loaded in place of the modules it was built from.
 *
 * The bundles under `src/` (`scripts/build_bundles.ts`) are build output, not
 * sources: `scripts/setup.sh` and the release build make them, git ignores them. A checkout
 * may therefore hold none, or bundles older than the code beside them. Loading a stale
 * bundle would run yesterday's code — a wrong result — so each bundle's header lists its
 * inputs (path, size, mtime and a content hash, {@linkcode BUNDLE_INPUTS_TAG}) and a
 * launch checks them before loading it: a missing bundle, a missing header, a missing
 * input, or an input whose size or content differs means "use the modules instead".
 * The check costs one `stat` per input (about 40 for the `run` fast path); an input whose
 * mtime changed but whose content did not (a `git checkout` of the same text) is hashed.
 *
 * A compiled binary only checks that the bundle is there: the release build
 * (`scripts/build.ts`) builds the bundles from the same tree right before `deno compile`.
 *
 * Under `airlock --verbose` the choice is printed on stderr ({@linkcode verboseNote}).
 *
 * @module
 */

/** The header line that lists a bundle's inputs (JSON after the tag). */
export const BUNDLE_INPUTS_TAG = "// airlock-bundle-inputs: ";

/** How many bytes of a bundle's start may hold its header. */
export const HEADER_LIMIT = 32 * 1024;

/** One input of a bundle: `[path from the repository root, size, mtime in ms, hash]`. */
export type BundleInput = [path: string, size: number, mtimeMs: number, hash: string];

/** Why a bundle was not used, or `fresh`. */
export type BundleStatus =
  | { fresh: true }
  | { fresh: false; reason: string };

/** Registered so every copy of this module (bundled or not) shares the flag. */
const VERBOSE = Symbol.for("airlock.verbose");

/**
 * Turns `--verbose` notes on for this process.
 *
 * @example
 * ```ts
 * import { isVerbose, setVerbose } from "./bundles.ts";
 * setVerbose(true);
 * console.assert(isVerbose());
 * setVerbose(false);
 * ```
 *
 * @param on Whether notes are printed.
 */
export function setVerbose(on: boolean): void {
  (globalThis as Record<symbol, unknown>)[VERBOSE] = on;
}

/**
 * Whether `--verbose` was given.
 *
 * @returns True when notes are printed.
 */
export function isVerbose(): boolean {
  return (globalThis as Record<symbol, unknown>)[VERBOSE] === true;
}

/**
 * Prints one `airlock: …` line on stderr under `--verbose`.
 *
 * @param text The note.
 */
export function verboseNote(text: string): void {
  if (isVerbose()) console.error(`airlock: ${text}`);
}

/**
 * A content hash for change detection (two 32-bit FNV-1a style lanes, 53 bits): not a
 * security boundary — whoever can write airlock's sources runs their code anyway — only a
 * cheap, synchronous way to tell whether a file still holds what a bundle was built from.
 *
 * @param bytes The content.
 * @returns The hash in base 36.
 * @example
 * ```ts
 * import { contentHash } from "./bundles.ts";
 * const a = contentHash(new TextEncoder().encode("export const x = 1;\n"));
 * const b = contentHash(new TextEncoder().encode("export const x = 2;\n"));
 * console.assert(a !== b && a === contentHash(new TextEncoder().encode("export const x = 1;\n")));
 * ```
 */
export function contentHash(bytes: Uint8Array): string {
  let h1 = 0xdeadbeef ^ bytes.length;
  let h2 = 0x41c6ce57 ^ bytes.length;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    h1 = Math.imul(h1 ^ b, 2654435761);
    h2 = Math.imul(h2 ^ b, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/**
 * Reads the input list from a bundle's header.
 *
 * @param text The bundle's first bytes, decoded.
 * @returns The inputs, or null when the header has none.
 * @example
 * ```ts
 * import { BUNDLE_INPUTS_TAG, parseBundleInputs } from "./bundles.ts";
 * const text = `// x\n${BUNDLE_INPUTS_TAG}[["src/a.ts",3,1,"z"]]\nvar a;`;
 * console.assert(parseBundleInputs(text)?.[0]?.[0] === "src/a.ts");
 * console.assert(parseBundleInputs("var a;") === null);
 * ```
 */
export function parseBundleInputs(text: string): BundleInput[] | null {
  const start = text.indexOf(BUNDLE_INPUTS_TAG);
  if (start < 0) return null;
  const end = text.indexOf("\n", start);
  if (end < 0) return null;
  try {
    const list = JSON.parse(text.slice(start + BUNDLE_INPUTS_TAG.length, end));
    return Array.isArray(list) ? list as BundleInput[] : null;
  } catch {
    return null;
  }
}

/**
 * Checks one bundle against the files it was built from.
 *
 * Requires `--allow-read`.
 *
 * @param bundle The bundle's URL (`…/src/cli/fast_run.bundle.js`).
 * @param root The repository root its inputs are relative to (default: two levels up).
 * @returns `{ fresh: true }`, or why it must not be used.
 * @example
 * ```ts
 * import { bundleStatus } from "./bundles.ts";
 * const status = bundleStatus(new URL("file:///nonexistent/src/cli/x.bundle.js"));
 * console.assert(!status.fresh && status.reason === "it is missing");
 * ```
 */
export function bundleStatus(bundle: URL, root: URL = new URL("../../", bundle)): BundleStatus {
  let inputs: BundleInput[] | null;
  try {
    inputs = readInputs(bundle);
  } catch {
    return { fresh: false, reason: "it is missing" };
  }
  if (inputs === null) return { fresh: false, reason: "its header lists no inputs" };
  // String paths and an indexed loop: this runs cold on every launch (≈ 130 inputs), where
  // a URL per input, or destructuring, costs more than the stat itself.
  const base = decodeURIComponent(root.pathname);
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i]!;
    const path = input[0];
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(base + path);
    } catch {
      return { fresh: false, reason: `${path} is missing` };
    }
    if (info.size !== input[1]) return { fresh: false, reason: `${path} changed` };
    if (info.mtime !== null && info.mtime.getTime() === input[2]) continue;
    let bytes: Uint8Array;
    try {
      bytes = Deno.readFileSync(base + path);
    } catch {
      return { fresh: false, reason: `${path} is unreadable` };
    }
    if (contentHash(bytes) !== input[3]) return { fresh: false, reason: `${path} changed` };
  }
  return { fresh: true };
}

/** Reads the inputs line of a bundle's header, decoding only that line. */
function readInputs(bundle: URL): BundleInput[] | null {
  const buf = new Uint8Array(HEADER_LIMIT);
  const file = Deno.openSync(bundle);
  let n: number;
  try {
    n = file.readSync(buf) ?? 0;
  } finally {
    file.close();
  }
  const head = buf.subarray(0, n);
  const decoder = new TextDecoder();
  // The header's lines are short and come first; find the one that starts with the tag.
  for (let start = 0; start < head.length && head[start] === 0x2f /* "/" */;) {
    let end = head.indexOf(0x0a, start);
    if (end < 0) end = head.length;
    if (end - start > BUNDLE_INPUTS_TAG.length) {
      const line = decoder.decode(head.subarray(start, end));
      if (line.startsWith(BUNDLE_INPUTS_TAG)) return parseBundleInputs(`${line}\n`);
    }
    start = end + 1;
  }
  return null;
}

function embeddedStatus(bundle: URL): BundleStatus {
  try {
    return Deno.statSync(bundle).isFile ? { fresh: true } : { fresh: false, reason: "no file" };
  } catch {
    return { fresh: false, reason: "it is missing" };
  }
}

/**
 * Whether a bundle may be loaded in this process: in a compiled binary when it is
 * embedded (see the module doc), else when {@linkcode bundleStatus} says it is fresh. Prints the choice
 * under `--verbose`.
 *
 * Requires `--allow-read`.
 *
 * @param bundle The bundle's URL.
 * @param label How to name it in the note (`src/cli/fast_run.bundle.js`).
 * @returns True when the bundle may be used.
 */
export function useBundle(bundle: URL, label: string): boolean {
  const status = Deno.build.standalone
    ? embeddedStatus(bundle)
    : bundle.protocol === "file:"
    ? bundleStatus(bundle)
    : { fresh: false as const, reason: "it is not a local file" };
  if (status.fresh) {
    verboseNote(`using ${label}`);
    return true;
  }
  verboseNote(
    `not using ${label}: ${status.reason}; loading the modules it is built from` +
      " (rebuild it: deno task bundle)",
  );
  return false;
}
