/**
 * Progress of a long snapshot on a terminal: one line on stderr, rewritten in place at
 * most ten times a second, cleared when done. Nothing is printed when stderr is not a
 * terminal.
 *
 * @module
 */

import type { SnapshotProgress } from "./snapshot.ts";
import { formatBytes } from "./budget.ts";

/** A progress line. */
export interface Progress {
  /** Reports progress (the snapshot's callback). */
  update(p: SnapshotProgress): void;
  /** Clears the line. */
  done(): void;
}

/**
 * Creates a progress line when stderr is a terminal, else a silent one.
 *
 * @returns The progress reporter.
 * @example Around a snapshot
 * ```ts ignore
 * const progress = terminalProgress();
 * takeSnapshot({ ...options, onProgress: (p) => progress.update(p) });
 * progress.done();
 * ```
 */
export function terminalProgress(): Progress {
  if (!Deno.stderr.isTerminal()) return { update() {}, done() {} };
  const enc = new TextEncoder();
  let shown = false;
  let last = 0;
  return {
    update(p) {
      const now = performance.now();
      if (now - last < 100) return;
      last = now;
      const text = p.phase === "scan"
        ? `airlock: snapshot: scanning, ${p.files} files, ${formatBytes(p.bytes)}`
        : `airlock: snapshot: reading ${p.files}/${p.totalFiles} files, ${formatBytes(p.bytes)}/${
          formatBytes(p.totalBytes)
        }`;
      Deno.stderr.writeSync(enc.encode(`\r\x1b[K${text}`));
      shown = true;
    },
    done() {
      if (shown) Deno.stderr.writeSync(enc.encode("\r\x1b[K"));
    },
  };
}
