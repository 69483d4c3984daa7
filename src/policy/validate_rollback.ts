/**
 * Validating a profile's `rollback` section (`true`/`false`, or `{ enabled, exclude,
 * max_files, max_bytes }`) and its `guard` patterns. Patterns use gitignore syntax,
 * relative to the workdir.
 *
 * @module
 */

import type { ProfileProblem } from "./problem.ts";
import type { RollbackSection } from "./profile_types.ts";

/** Known keys of the `rollback` object. */
export const ROLLBACK_KEYS = ["enabled", "exclude", "max_files", "max_bytes"] as const;

/** Binary unit multipliers for `max_bytes` strings. */
const UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/**
 * Parses a byte count: an integer, or a number with a binary unit (`500M`, `2GiB`, `1.5 GB`;
 * K, M, G and T are powers of 1024).
 *
 * @param value The value as written.
 * @returns The bytes, or null when malformed.
 * @example
 * ```ts
 * import { parseByteSize } from "./validate_rollback.ts";
 * console.assert(parseByteSize("2GiB") === 2 * 1024 ** 3);
 * console.assert(parseByteSize(1000) === 1000);
 * console.assert(parseByteSize("lots") === null);
 * ```
 */
export function parseByteSize(value: unknown): number | null {
  if (typeof value === "number") return Number.isSafeInteger(value) && value > 0 ? value : null;
  if (typeof value !== "string") return null;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(value.trim());
  if (m === null) return null;
  const n = Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
  return n > 0 && Number.isSafeInteger(n) ? n : null;
}

/** The problem with a pattern, or null. */
function patternProblem(s: string): string | null {
  return s.trim() === "" || /[\0\n\r]/.test(s) ? "must be a non-empty gitignore pattern" : null;
}

/**
 * Validates `rollback`.
 *
 * @param p The problem reporter.
 * @param value The raw value (undefined when absent).
 * @returns The section.
 * @throws {ProfileError} On a bad key or value.
 * @example The short form
 * ```ts
 * import { validateRollback } from "./validate_rollback.ts";
 * import { ProfileProblem } from "./problem.ts";
 * console.assert(validateRollback(new ProfileProblem("p"), true).enabled === true);
 * ```
 */
export function validateRollback(p: ProfileProblem, value: unknown): RollbackSection {
  if (value === undefined) return { exclude: [] };
  if (typeof value === "boolean") return { enabled: value, exclude: [] };
  const obj = p.object("rollback", value, ROLLBACK_KEYS);
  if (obj.enabled !== undefined && typeof obj.enabled !== "boolean") {
    throw p.at("rollback.enabled", "must be true or false", obj.enabled);
  }
  let maxFiles: number | undefined;
  if (obj.max_files !== undefined) {
    if (!Number.isSafeInteger(obj.max_files) || (obj.max_files as number) < 1) {
      throw p.at("rollback.max_files", "must be a positive integer", obj.max_files);
    }
    maxFiles = obj.max_files as number;
  }
  let maxBytes: number | undefined;
  if (obj.max_bytes !== undefined) {
    const n = parseByteSize(obj.max_bytes);
    if (n === null) {
      throw p.at(
        "rollback.max_bytes",
        "must be a positive byte count",
        obj.max_bytes,
        'write an integer or a size such as "2GiB"',
      );
    }
    maxBytes = n;
  }
  return {
    ...(obj.enabled === undefined ? {} : { enabled: obj.enabled as boolean }),
    exclude: p.strings("rollback.exclude", obj.exclude, patternProblem).map((s) => s.value),
    ...(maxFiles === undefined ? {} : { maxFiles }),
    ...(maxBytes === undefined ? {} : { maxBytes }),
  };
}

/**
 * Validates `guard`.
 *
 * @param p The problem reporter.
 * @param value The raw value.
 * @returns The patterns.
 * @throws {ProfileError} On a bad pattern.
 * @example Patterns
 * ```ts
 * import { validateGuard } from "./validate_rollback.ts";
 * import { ProfileProblem } from "./problem.ts";
 * console.assert(validateGuard(new ProfileProblem("p"), ["Makefile"])[0] === "Makefile");
 * ```
 */
export function validateGuard(p: ProfileProblem, value: unknown): string[] {
  return p.strings("guard", value, patternProblem).map((s) => s.value);
}
