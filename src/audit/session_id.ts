/**
 * Session ids: sortable by start time, safe as one path component. Apart from the audit
 * log's chain (which needs `node:crypto`) so that a launch, which only names its session,
 * does not load Node's compatibility layer (≈ 30 ms).
 *
 * @module
 */

/**
 * Generates a session id: UTC time plus 6 random hex digits, sortable by start.
 *
 * @returns An id like `20260101T120000Z-a1b2c3`.
 * @example
 * ```ts
 * import { newSessionId } from "./session_id.ts";
 * console.assert(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/.test(newSessionId()));
 * ```
 */
export function newSessionId(): string {
  const t = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const r = crypto.getRandomValues(new Uint8Array(3));
  return `${t}-${[...r].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * Validates a session id so it can name a directory.
 *
 * @param id The id.
 * @returns True when it is safe as a single path component.
 */
export function isValidSessionId(id: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id);
}
