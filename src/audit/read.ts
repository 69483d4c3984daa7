/**
 * Reading audit logs back: the list of sessions and one session's records, for
 * `airlock audit list|show`.
 *
 * @module
 */

import { AirlockError, EXIT_AIRLOCK_FAILED } from "../errors.ts";
import {
  type AuditRecord,
  isValidSessionId,
  type RollbackAuditRecord,
  type SessionInfo,
  sessionsDir,
} from "./session_log.ts";

/** A session summary for `airlock audit list`. */
export interface SessionSummary extends Omit<Partial<SessionInfo>, "sealed"> {
  /** The session id. */
  id: string;
  /** Number of records. */
  requests: number;
  /** Number of records whose decision is not `allowed`. */
  refused: number;
  /** Whether the session ended with a seal (see `airlock audit verify`). */
  sealed: boolean;
}

/**
 * Reads one session's records. Malformed lines (a torn last write) are skipped.
 *
 * @param id The session id.
 * @param env The environment for the state directory.
 * @returns The records in order.
 * @throws {AirlockError} When the session does not exist (exit 125).
 */
export function readSession(
  id: string,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): (AuditRecord | RollbackAuditRecord)[] {
  if (!isValidSessionId(id)) {
    throw new AirlockError(`Cannot show session "${id}": not a session id`, EXIT_AIRLOCK_FAILED, {
      hint: "run airlock audit list",
    });
  }
  let text: string;
  try {
    text = Deno.readTextFileSync(`${sessionsDir(env)}/${id}/audit.jsonl`);
  } catch (err) {
    throw new AirlockError(`Cannot show session "${id}": no audit log found`, EXIT_AIRLOCK_FAILED, {
      hint: "run airlock audit list",
      cause: err,
    });
  }
  const out: (AuditRecord | RollbackAuditRecord)[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as AuditRecord);
    } catch {
      // torn line
    }
  }
  return out;
}

/**
 * Lists sessions, oldest first.
 *
 * @param env The environment for the state directory.
 * @returns One summary per session directory.
 */
export function listSessions(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): SessionSummary[] {
  const dir = sessionsDir(env);
  let names: string[];
  try {
    names = [...Deno.readDirSync(dir)].filter((e) => e.isDirectory).map((e) => e.name);
  } catch {
    return [];
  }
  names.sort();
  return names.filter(isValidSessionId).map((id) => {
    let info: Partial<SessionInfo> = {};
    try {
      info = JSON.parse(Deno.readTextFileSync(`${dir}/${id}/session.json`)) as SessionInfo;
    } catch {
      // no metadata
    }
    let records: AuditRecord[] = [];
    try {
      records = readSession(id, env).filter((r): r is AuditRecord => r.kind !== "rollback");
    } catch {
      // no log yet
    }
    // The chain's header and seals are not requests.
    const requests = records.filter((r) => r.kind !== "seal" && (r.kind as string) !== "start");
    const { sealed, ...shown } = info;
    return {
      ...shown,
      id,
      requests: requests.length,
      refused: requests.filter((r) => r.decision !== "allowed").length,
      sealed: sealed !== undefined,
    };
  });
}
