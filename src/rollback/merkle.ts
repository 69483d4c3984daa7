/**
 * The Merkle root of a recorded tree, as git builds tree objects: each directory's hash
 * covers its children's names, types, modes and hashes (a file's content hash, a link's
 * target, a subdirectory's own tree hash); the root covers the workdir's mode and tree.
 * Stat fields (times, inodes) are not part of it, so the same tree has the same root
 * whenever and wherever it is recorded.
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { Entry } from "./types.ts";
import { parentOf } from "./exclusions.ts";

/**
 * Computes the Merkle root of entries (the workdir `""` included).
 *
 * @param entries The entries, any order.
 * @returns The root (SHA-256, hex).
 * @example The root depends on content, not on times
 * ```ts
 * import { merkleRoot } from "./merkle.ts";
 * const dir = { path: "", type: "d" as const, mode: 0o755, size: 0, hash: "", mtime: 1, ctime: 1, ino: 1, dev: 1 };
 * const file = { ...dir, path: "a", type: "f" as const, mode: 0o644, hash: "ab".repeat(32) };
 * const later = { ...file, mtime: 99 };
 * console.assert(merkleRoot([dir, file]) === merkleRoot([dir, later]));
 * console.assert(merkleRoot([dir, file]) !== merkleRoot([dir, { ...file, mode: 0o755 }]));
 * ```
 */
export function merkleRoot(entries: readonly Entry[]): string {
  const children = new Map<string, Entry[]>();
  let root: Entry | undefined;
  for (const e of entries) {
    if (e.path === "") {
      root = e;
      continue;
    }
    const parent = parentOf(e.path);
    let list = children.get(parent);
    if (list === undefined) children.set(parent, list = []);
    list.push(e);
  }
  const tree = (dir: string): string => {
    const h = createHash("sha256").update("airlock-tree\n");
    const list = (children.get(dir) ?? []).slice().sort((a, b) =>
      a.path < b.path ? -1 : a.path > b.path ? 1 : 0
    );
    for (const e of list) {
      const name = e.path.slice(dir === "" ? 0 : dir.length + 1);
      h.update(`${e.type} ${e.mode.toString(8)} ${JSON.stringify(name)} ${childHash(e, tree)}\n`);
    }
    return h.digest("hex");
  };
  return createHash("sha256").update(`airlock-root ${(root?.mode ?? 0).toString(8)} ${tree("")}`)
    .digest("hex");
}

function childHash(e: Entry, tree: (dir: string) => string): string {
  if (e.type === "d") return tree(e.path);
  if (e.type === "l") return createHash("sha256").update(`link\0${e.hash}`).digest("hex");
  return e.hash;
}
