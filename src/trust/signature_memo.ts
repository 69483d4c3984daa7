/**
 * A memo of keyed signatures that verified: "this public key (its DER SPKI) signed these
 * exact bundle bytes". An ECDSA P-256 verification costs ≈ 0.3 ms, most of
 * a keyed file's check; a launch on a repository whose bundles it has seen skips it.
 *
 * What is memoised is a pure fact about two byte strings, and nothing else: the entry is
 * the SHA-256 of the key's SPKI and the bundle's bytes, so any change to the bundle (its
 * signature, payload, hint) or another publisher key misses. Everything else is checked
 * on every launch as before — the file's digest against the statement, the blocklist,
 * whether the key is a publisher of the policy in force. Only the launch path uses the
 * memo; `airlock trust verify` always verifies the signature.
 *
 * The memo lives in airlock's state directory (`trust-signatures`, owner-only), which no
 * sandbox can reach: hidden by the mount namespace, refused as a grant without one. A
 * memo that cannot be read or parsed is empty; one that cannot be written is skipped. It
 * keeps the {@linkcode MEMO_LIMIT} most recent entries.
 *
 * @module
 */

import { writeFileAtomic } from "./atomic_write.ts";
import { stateDir } from "../state_dir.ts";
import { sha256Hex } from "./digest.ts";

/** How many entries the memo keeps (the newest): ≈ 33 KB. */
export const MEMO_LIMIT = 512;

/** The entry's domain separator: a memo of another kind never collides with this one. */
const DOMAIN = "airlock keyed signature verified v1\n";

/** Verified keyed signatures, loaded from and saved to one file. */
export class SignatureMemo {
  readonly #path: string;
  readonly #known: Set<string>;
  readonly #added: string[] = [];

  /**
   * Loads the memo (an unreadable or malformed file is an empty memo).
   *
   * Requires `--allow-read` on the state directory.
   *
   * @param path The memo's file (default: `<state>/trust-signatures`).
   */
  constructor(path: string = signatureMemoPath()) {
    this.#path = path;
    let text = "";
    try {
      text = Deno.readTextFileSync(path);
    } catch {
      // none yet, or unreadable: nothing is memoised
    }
    // A line of another length is no entry; one of this length that was not computed by
    // `entry()` matches nothing.
    this.#known = new Set(text.split("\n").filter((line) => line.length === 64));
  }

  /**
   * The entry for a key and a bundle.
   *
   * @param spki The public key, DER SPKI (as the policy holds it).
   * @param bundle The bundle file's bytes.
   * @returns The entry (hex SHA-256 over the domain, the key's length, the key, the bytes).
   */
  static entry(spki: Uint8Array, bundle: Uint8Array): string {
    const head = new TextEncoder().encode(`${DOMAIN}${spki.length}\n`);
    const data = new Uint8Array(head.length + spki.length + bundle.length);
    data.set(head);
    data.set(spki, head.length);
    data.set(bundle, head.length + spki.length);
    return sha256Hex(data);
  }

  /**
   * Whether an entry was memoised.
   *
   * @param entry From {@linkcode SignatureMemo.entry}.
   * @returns True when that key verified those bytes before.
   */
  has(entry: string): boolean {
    return this.#known.has(entry);
  }

  /**
   * Memoises an entry (kept in memory until {@linkcode SignatureMemo.save}).
   *
   * @param entry From {@linkcode SignatureMemo.entry}, for a signature that verified.
   */
  add(entry: string): void {
    if (this.#known.has(entry)) return;
    this.#known.add(entry);
    this.#added.push(entry);
  }

  /**
   * Writes the memo when entries were added (atomically, owner-only); never throws.
   *
   * Requires `--allow-write` on the state directory.
   *
   * @returns True when the file was written.
   */
  save(): boolean {
    if (this.#added.length === 0) return false;
    // Newest last: the oldest fall off the front.
    const added = new Set(this.#added);
    const kept = [...this.#known].filter((e) => !added.has(e)).concat(this.#added)
      .slice(-MEMO_LIMIT);
    try {
      writeFileAtomic(this.#path, new TextEncoder().encode(kept.join("\n") + "\n"), 0o600);
    } catch {
      return false; // a memo is an optimisation: the next launch verifies again
    }
    this.#added.length = 0;
    return true;
  }
}

/**
 * Where the memo lives.
 *
 * @param env The environment (`XDG_STATE_HOME`, `HOME`).
 * @returns `<state>/trust-signatures`.
 * @example
 * ```ts
 * import { signatureMemoPath } from "./signature_memo.ts";
 * console.assert(signatureMemoPath({ XDG_STATE_HOME: "/s" }) === "/s/airlock/trust-signatures");
 * ```
 */
export function signatureMemoPath(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): string {
  return `${stateDir(env)}/trust-signatures`;
}
