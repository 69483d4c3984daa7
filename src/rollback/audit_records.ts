/**
 * Rollback records in the session audit logs: reading back the Merkle root recorded when
 * a snapshot was taken (for `verify`), and appending a record for a restore made later
 * with `airlock rollback restore` to the session the snapshot belongs to.
 *
 * @module
 */

import { isValidSessionId, type RollbackAuditRecord, sessionsDir } from "../audit/session_log.ts";
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
  try {
    Deno.writeTextFileSync(
      `${sessionsDir(env)}/${manifest.session}/audit.jsonl`,
      JSON.stringify(full) + "\n",
      { append: true, create: false },
    );
    return true;
  } catch {
    return false;
  }
}
