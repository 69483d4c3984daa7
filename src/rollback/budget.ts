/**
 * The snapshot budget (`rollback.max_files`, `rollback.max_bytes`): a tree over it is an
 * error before the command starts, never a silent partial snapshot. The error names the
 * budget and the directories whose exclusion would make the tree fit.
 *
 * @module
 */

import { RollbackError } from "../errors.ts";
import type { ScanResult } from "./scan.ts";

/** A budget. */
export interface Budget {
  /** Most files. */
  maxFiles: number;
  /** Most bytes. */
  maxBytes: number;
}

/**
 * Formats a byte count for people (`1.5 GiB`).
 *
 * @param n Bytes.
 * @returns The text.
 * @example
 * ```ts
 * import { formatBytes } from "./budget.ts";
 * console.assert(formatBytes(1536) === "1.5 KiB");
 * ```
 */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(1).replace(/\.0$/, "")} ${units[i]}`;
}

/**
 * Directories whose exclusion brings a tree within its budget, largest first.
 *
 * @param scan The scan.
 * @param budget The budget.
 * @returns Up to five directories with their totals (empty when none suffice).
 * @example Suggesting exclusions
 * ```ts ignore
 * const fit = exclusionsThatFit(scan, { maxFiles: 1000, maxBytes: 1 << 30 });
 * console.log(fit.map((f) => `${f.dir}/`));
 * ```
 */
export function exclusionsThatFit(
  scan: ScanResult,
  budget: Budget,
): { dir: string; files: number; bytes: number }[] {
  const overFiles = scan.files - budget.maxFiles;
  const overBytes = scan.bytes - budget.maxBytes;
  const weight = (t: { files: number; bytes: number }) =>
    (overFiles > 0 ? t.files / Math.max(1, scan.files) : 0) +
    (overBytes > 0 ? t.bytes / Math.max(1, scan.bytes) : 0);
  const candidates = [...scan.dirTotals.entries()].filter(([dir]) => dir !== "")
    .map(([dir, t]) => ({ dir, ...t }))
    // Heaviest first; of equal weight, the directory nearest the top.
    .sort((a, b) => weight(b) - weight(a) || a.dir.length - b.dir.length);
  const picked: { dir: string; files: number; bytes: number }[] = [];
  let files = scan.files;
  let bytes = scan.bytes;
  for (const c of candidates) {
    if (files <= budget.maxFiles && bytes <= budget.maxBytes) return picked;
    if (picked.length === 5) break;
    if (picked.some((p) => c.dir.startsWith(`${p.dir}/`))) continue;
    picked.push(c);
    files -= c.files;
    bytes -= c.bytes;
  }
  return files <= budget.maxFiles && bytes <= budget.maxBytes ? picked : [];
}

/**
 * Throws when a scan is over its budget.
 *
 * @param workdir The workdir, for the message.
 * @param scan The scan.
 * @param budget The budget.
 * @throws {RollbackError} (exit 125) Naming the budget and the exclusions that would fit.
 * @example Refusing a tree over budget
 * ```ts ignore
 * checkBudget("/home/a/proj", scan, { maxFiles: 200_000, maxBytes: 4 * 1024 ** 3 });
 * ```
 */
export function checkBudget(workdir: string, scan: ScanResult, budget: Budget): void {
  const files = scan.files > budget.maxFiles || scan.truncated;
  const bytes = scan.bytes > budget.maxBytes;
  if (!files && !bytes) return;
  const atLeast = scan.truncated ? "at least " : "";
  const what = files
    ? `${atLeast}${scan.files} files, over rollback.max_files ${budget.maxFiles}`
    : `${formatBytes(scan.bytes)}, over rollback.max_bytes ${formatBytes(budget.maxBytes)}`;
  const fit = exclusionsThatFit(scan, budget);
  const hint = fit.length > 0
    ? `add to the profile's rollback.exclude: ${
      fit.map((f) => `"${f.dir}/" (${f.files} files, ${formatBytes(f.bytes)})`).join(", ")
    }; or raise the budget, or run with --no-rollback`
    : "raise rollback.max_files/max_bytes in the profile, or run with --no-rollback";
  throw new RollbackError(`Cannot snapshot ${workdir}: it holds ${what}`, undefined, { hint });
}
