/**
 * The trust audit trail: one JSON line per trust decision in
 * `$XDG_STATE_HOME/airlock/trust.jsonl` — every scan before a launch (with each file's
 * status), every re-verification at exit, and every `--trust-override`. Records hold
 * names, digests, statuses and signer fingerprints or identities, never file contents.
 *
 * @module
 */

import { stateDir } from "../state_dir.ts";

/** One file in a record. */
export interface AuditedFile {
  /** The statement name. */
  name: string;
  /** SHA-256, or null when unreadable or removed. */
  sha256: string | null;
  /** The status (`verified`, `tampered`, `changed`, `created`, `removed`…). */
  status: string;
  /** Why, when not verified. */
  reason?: string;
  /** The publisher, when verified. */
  publisher?: string;
}

/** One line of `trust.jsonl`. */
export interface TrustAuditRecord {
  /** ISO 8601 time. */
  time: string;
  /** `launch` (before the command), `exit` (after it) or `override` (`--trust-override`). */
  event: "launch" | "exit" | "override";
  /** The scanned root. */
  workdir: string;
  /** The program (argv[0] only). */
  program: string;
  /** The enforcement in force. */
  enforcement?: string;
  /** `allowed`, `warned`, `denied`, `skipped` (override) or `changed` (files changed at exit). */
  decision: string;
  /** Which policies applied. */
  policy?: { user: boolean; project: string | null; accepted: boolean };
  /** The files and their status. */
  files: AuditedFile[];
  /** Warnings printed (ignored project settings). */
  warnings?: string[];
}

/**
 * The audit file's path.
 *
 * @param env The environment (`XDG_STATE_HOME`, `HOME`).
 * @returns `<state>/trust.jsonl`.
 * @example
 * ```ts
 * import { trustAuditPath } from "./audit_log.ts";
 * console.assert(trustAuditPath({ XDG_STATE_HOME: "/s" }) === "/s/airlock/trust.jsonl");
 * ```
 */
export function trustAuditPath(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): string {
  return `${stateDir(env)}/trust.jsonl`;
}

/**
 * Appends a record (one write with O_APPEND, so concurrent runs never interleave within a
 * line). Requires `--allow-write` on the state directory.
 *
 * @param record The record.
 * @throws {Error} When the state directory cannot be written (a run must not go ahead
 *   unrecorded: the caller reports it).
 */
export function recordTrust(record: TrustAuditRecord): void {
  const path = trustAuditPath();
  // Synchronous: two small system calls cost less than the thread hops of async ones.
  Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true, mode: 0o700 });
  Deno.writeTextFileSync(path, JSON.stringify(record) + "\n", { append: true, mode: 0o600 });
}
