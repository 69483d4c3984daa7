/**
 * Rollback records in the session audit logs, always through the tamper-evident chain
 * (`SessionLog`): reading back the Merkle root recorded when a snapshot was taken (for
 * `verify`), writing a run's records into the run's log, and recording a restore made
 * later with `airlock rollback restore` in a session of its own.
 *
 * @module
 */

import {
  isValidSessionId,
  newSessionId,
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

/** Somewhere rollback records go: a session's chained audit log (`SessionLog.write`). */
export interface AuditSink {
  /** Appends one record, chained to the ones before. */
  write(record: RollbackAuditRecord): void;
}

/**
 * Records a restore made later with `airlock rollback restore`. The snapshot's own
 * session log is sealed, and appending to it would break its chain: the restore gets a
 * session log of its own, naming the snapshot's session in its detail.
 *
 * @param manifest The snapshot.
 * @param record The record (time, kind and workdir are filled in).
 * @param env The environment (state directory).
 * @returns The new session's id, or null when it could not be written.
 * @example Recording a restore
 * ```ts ignore
 * recordRestore(manifest, { event: "restore", path: "*", detail: "12 steps" });
 * ```
 */
export function recordRestore(
  manifest: Manifest,
  record: Omit<RollbackAuditRecord, "time" | "kind" | "workdir" | "snapshot">,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): string | null {
  const id = newSessionId();
  try {
    const log = SessionLog.open(
      { id, started: new Date().toISOString(), port: 0, routes: [], profile: "rollback restore" },
      env,
    );
    log.write({
      time: new Date().toISOString(),
      kind: "rollback",
      workdir: manifest.workdir,
      snapshot: manifest.id,
      ...record,
      detail: [record.detail, manifest.session ? `snapshot of session ${manifest.session}` : ""]
        .filter(Boolean).join("; "),
    });
    log.close();
    return id;
  } catch {
    return null;
  }
}

/** A session's audit log as rollback writes it. */
export interface RollbackLog {
  /** Appends one record (time, kind and workdir are filled in); never throws. */
  write(record: Omit<RollbackAuditRecord, "time" | "kind" | "workdir">): void;
  /** Closes the log (seals it) when rollback opened it; nothing for a shared one. */
  close(): void;
}

/**
 * The audit log of a run's rollback records: the run's shared log when the session proxy
 * opened one (so every record of the session is one chain, sealed when the proxy closes),
 * else a session log of rollback's own, sealed when the run's rollback ends.
 *
 * @param info The session's description, used when rollback opens the log.
 * @param workdir The workdir the records are about.
 * @param shared The run's log, when there is one.
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
  shared?: AuditSink,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): RollbackLog {
  const own = shared === undefined ? SessionLog.open(info, env) : null;
  const sink: AuditSink = shared ?? own!;
  return {
    write(record) {
      try {
        sink.write({ time: new Date().toISOString(), kind: "rollback", workdir, ...record });
      } catch {
        // Best effort, as for the proxy's records: the run goes on.
      }
    },
    close() {
      own?.close();
    },
  };
}
