/**
 * Rollback records in the session audit logs: reading back the Merkle root recorded when
 * a snapshot was taken (for `verify`), and appending a record for a restore made later
 * with `airlock rollback restore` to the session the snapshot belongs to.
 *
 * @module
 */

import {
  appendChained,
  isLogOpen,
  isValidSessionId,
  type RollbackAuditRecord,
  type SessionInfo,
  SessionLog,
  sessionsDir,
} from "../audit/session_log.ts";
import type { Manifest } from "./types.ts";

/**
 * The root the audit log recorded for a snapshot.
 *
 * @param manifest The snapshot.
 * @param env The environment (state directory).
 * @returns The root, or null when the log has no record of it.
 * @example Comparing with a snapshot's own root
 * ```ts ignore
 * const ok = auditedRoot(manifest) === manifest.root;
 * ```
 */
export function auditedRoot(
  manifest: Manifest,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): string | null {
  if (!manifest.session || !isValidSessionId(manifest.session)) return null;
  let text: string;
  try {
    text = Deno.readTextFileSync(`${sessionsDir(env)}/${manifest.session}/audit.jsonl`);
  } catch {
    return null;
  }
  for (const line of text.split("\n")) {
    try {
      const r = JSON.parse(line);
      if (r.kind === "rollback" && r.event === "snapshot" && r.snapshot === manifest.id) {
        return String(r.root);
      }
    } catch {
      // torn line
    }
  }
  return null;
}

/**
 * Appends a rollback record to the snapshot's session log (one `O_APPEND` write).
 *
 * @param manifest The snapshot.
 * @param record The record (time, kind and workdir are filled in).
 * @param env The environment (state directory).
 * @returns True when written; false when the snapshot has no session log.
 * @example Recording a restore
 * ```ts ignore
 * appendRollbackRecord(manifest, { event: "restore", path: "*", detail: "12 steps" });
 * ```
 */
export function appendRollbackRecord(
  manifest: Manifest,
  record: Omit<RollbackAuditRecord, "time" | "kind" | "workdir" | "snapshot">,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): boolean {
  if (!manifest.session || !isValidSessionId(manifest.session)) return false;
  const full: RollbackAuditRecord = {
    time: new Date().toISOString(),
    kind: "rollback",
    workdir: manifest.workdir,
    snapshot: manifest.id,
    ...record,
  };
  const dir = `${sessionsDir(env)}/${manifest.session}`;
  try {
    Deno.statSync(`${dir}/audit.jsonl`);
  } catch {
    return false; // the snapshot's session has no log
  }
  // Chained to the log's last line, re-sealed when the session was sealed (issue 10).
  return appendChained(dir, full);
}

/** A session's audit log opened for rollback records. */
export interface RollbackLog {
  /** Appends one record (time, kind and workdir are filled in); never throws. */
  write(record: Omit<RollbackAuditRecord, "time" | "kind" | "workdir">): void;
  /** Closes the file. */
  close(): void;
}

/**
 * Opens a session's audit log for appending, creating the session directory (0700) and
 * its `session.json` (0600) only when the session has none yet: the proxy, when it runs,
 * writes its own description first, which is kept.
 *
 * @param info The session's description, used when there is none yet.
 * @param workdir The workdir the records are about.
 * @param env The environment (state directory).
 * @returns The log.
 * @throws {Deno.errors.PermissionDenied} When the directory cannot be created.
 * @example Recording a snapshot
 * ```ts ignore
 * const log = openRollbackLog({ id, started, port: 0, routes: [], profile }, workdir);
 * log.write({ event: "snapshot", snapshot: m.id, root: m.root });
 * log.close();
 * ```
 */
export function openRollbackLog(
  info: SessionInfo,
  workdir: string,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): RollbackLog {
  const dir = `${sessionsDir(env)}/${info.id}`;
  // With the session proxy, its open log takes the records (one chain, sealed when the
  // proxy stops); without it, rollback opens the session's log and seals it at close().
  const own = isLogOpen(dir) ? null : SessionLog.open(info, env);
  let open = true;
  return {
    write(record) {
      if (!open) return;
      const full: RollbackAuditRecord = {
        time: new Date().toISOString(),
        kind: "rollback",
        workdir,
        ...record,
      };
      // Chained like the proxy's records (issue 10); best effort, as for the proxy's
      // records: the run goes on.
      if (own !== null) own.write(full);
      else appendChained(dir, full);
    },
    close() {
      open = false;
      own?.close();
    },
  };
}
