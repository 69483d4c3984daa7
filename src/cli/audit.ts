/**
 * `airlock audit list`, `airlock audit show ID [--json]` and `airlock audit verify [ID|--all]
 * [--json]`: read and check the per-session audit logs the proxy writes under
 * `$XDG_STATE_HOME/airlock/sessions/`. `verify` exits 0 when every session is intact, 1
 * when one was tampered with, 3 when one is unsealed (crashed or still running).
 *
 * @module
 */

import type { Command } from "commander";
import type { AuditRecord, RollbackAuditRecord } from "../audit/session_log.ts";
import type { SessionSummary } from "../audit/read.ts";
import { lazyImport } from "../lazy_import.ts";
import { terminalSafe } from "../audit/terminal_safe.ts";
import type { VerifyResult } from "../audit/verify.ts";
import { UsageError } from "../errors.ts";
import { setExitStatus } from "./mod.ts";

/**
 * Formats sessions as a table.
 *
 * @param sessions The summaries.
 * @returns Lines of text (a note when there are none).
 * @example
 * ```ts
 * import { formatSessions } from "./audit.ts";
 * console.assert(formatSessions([]).startsWith("no sessions"));
 * ```
 */
export function formatSessions(sessions: SessionSummary[]): string {
  if (sessions.length === 0) return "no sessions recorded\n";
  const rows = sessions.map((s) => [
    s.id,
    s.started ?? "-",
    s.profile ?? "-",
    (s.routes ?? []).join(",") || "-",
    String(s.requests),
    String(s.refused),
    s.sealed ? "yes" : "no",
  ]);
  return table([
    ["SESSION", "STARTED", "PROFILE", "ROUTES", "REQUESTS", "REFUSED", "SEALED"],
    ...rows,
  ]);
}

/**
 * Formats a session's records as a table.
 *
 * @param records The records.
 * @returns Lines of text.
 * @example
 * ```ts
 * import { formatRecords } from "./audit.ts";
 * console.assert(formatRecords([]).startsWith("no requests"));
 * ```
 */
export function formatRecords(records: (AuditRecord | RollbackAuditRecord)[]): string {
  // The chain's header (`kind: "start"`) is not a request.
  records = records.filter((r) => (r.kind as string) !== "start");
  if (records.length === 0) return "no requests recorded\n";
  const rows = records.map((r) =>
    r.kind === "rollback" ? rollbackRow(r) : [
      r.time,
      r.route ?? r.kind,
      r.method,
      // (kind "limit": no target; the decision, detail and count say what happened)
      r.kind === "route" ? (r.path ?? "") : `${r.host ?? ""}${r.path ?? ""}`,
      // (kind "limit": the path is empty; the decision, detail and count say what happened)
      String(r.status),
      String(r.bytesUp),
      String(r.bytesDown),
      `${r.durationMs}ms`,
      (r.detail ? `${r.decision} (${r.detail})` : r.decision) +
      (r.count === undefined ? "" : ` ×${r.count}`) +
      (r.scrubbed ? ` [scrubbed ${r.scrubbed}]` : "") +
      (r.usage ? ` [${r.usage.total} tokens]` : ""),
    ]
  );
  return table([
    ["TIME", "ROUTE", "METHOD", "TARGET", "STATUS", "UP", "DOWN", "TIME", "DECISION"],
    ...rows,
  ]);
}

/**
 * Sums what each route's phantom token used: requests answered, refused by a token limit,
 * and LLM tokens the responses reported.
 *
 * @param records The session's records.
 * @returns One line per route, under a heading; empty when no route was used.
 * @example
 * ```ts
 * import { formatUsage } from "./audit.ts";
 * const out = formatUsage([{ time: "t", kind: "route", route: "openai", method: "POST", status: 200,
 *   bytesUp: 1, bytesDown: 1, durationMs: 1, decision: "allowed",
 *   usage: { input: 1, output: 2, total: 3 } }]);
 * console.assert(out.includes("openai: 1 request, 3 tokens (1 in, 2 out)"));
 * ```
 */
export function formatUsage(records: (AuditRecord | RollbackAuditRecord)[]): string {
  const by = new Map<
    string,
    { requests: number; refused: number; input: number; output: number; total: number }
  >();
  for (const r of records) {
    if (r.kind !== "route" || r.route === undefined) continue;
    const u = by.get(r.route) ?? { requests: 0, refused: 0, input: 0, output: 0, total: 0 };
    by.set(r.route, u);
    if (r.decision === "denied-limit") u.refused++;
    else if (r.decision !== "denied-token" && r.decision !== "unknown-route") u.requests++;
    if (r.usage) {
      u.input += r.usage.input;
      u.output += r.usage.output;
      u.total += r.usage.total;
    }
  }
  if (by.size === 0) return "";
  const lines = ["usage by token:"];
  for (const [route, u] of [...by].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(
      `  ${terminalSafe(route)}: ${u.requests} request${u.requests === 1 ? "" : "s"}` +
        (u.total > 0 ? `, ${u.total} tokens (${u.input} in, ${u.output} out)` : "") +
        (u.refused > 0 ? `, ${u.refused} refused by a token limit` : ""),
    );
  }
  return lines.join("\n") + "\n";
}

/**
 * Formats one verification result as a line.
 *
 * @param r The result.
 * @returns `ID: intact (N records, sealed)`, or what broke where.
 * @example
 * ```ts
 * import { formatVerify } from "./audit.ts";
 * console.assert(formatVerify({ id: "s", status: "intact", records: 2, sealed: true }) === "s: intact (2 records, sealed)");
 * ```
 */
export function formatVerify(r: VerifyResult): string {
  const id = terminalSafe(r.id);
  if (r.status === "intact") return `${id}: intact (${r.records} records, sealed)`;
  if (r.status === "unsealed") {
    return `${id}: unsealed (${r.records} records chained, no seal: the session crashed or is still running; its last record cannot be checked)`;
  }
  return `${id}: TAMPERED: ${r.problem?.kind} at line ${r.problem?.line}: ${r.problem?.message}`;
}

/** A rollback record in the request table's columns. */
function rollbackRow(r: RollbackAuditRecord): string[] {
  const what = r.path ?? (r.root ? `root ${r.root.slice(0, 16)}` : "");
  return [r.time, "rollback", r.event, `${r.snapshot} ${what}`, "", "", "", "", r.detail ?? ""];
}

function table(rows: string[][]): string {
  // Every cell may hold what a client or an upstream sent: escape it for the terminal.
  rows = rows.map((r) => r.map(terminalSafe));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => i === r.length - 1 ? c : c.padEnd(widths[i]!)).join("  "))
    .join("\n") + "\n";
}

/**
 * Registers `airlock audit`.
 *
 * @param program The root program.
 */
export function register(program: Command): void {
  const audit = program.command("audit").description("show what the credential proxy recorded");
  audit.command("list")
    .description("list recorded sessions")
    .option("--json", "print JSON")
    .action(async (values: { json?: boolean }) => {
      const { listSessions } = await lazyImport<typeof import("../audit/read.ts")>(
        "../audit/read.ts",
        import.meta.url,
      );
      const sessions = listSessions();
      console.log(
        values.json ? JSON.stringify(sessions, null, 2) : formatSessions(sessions).trimEnd(),
      );
    });
  audit.command("verify")
    .description(
      "check sessions' audit chains: intact, or the first record edited, inserted, removed, reordered or cut",
    )
    .argument("[id]", "the session id (see airlock audit list)")
    .option("--all", "verify every recorded session")
    .option("--json", "print one JSON object per session")
    .action(async (id: string | undefined, values: { all?: boolean; json?: boolean }) => {
      if ((id === undefined) === !values.all) {
        throw new UsageError("Cannot verify: give a session id or --all, not both", {
          hint: "airlock audit verify ID, or airlock audit verify --all",
        });
      }
      const { listSessions } = await lazyImport<typeof import("../audit/read.ts")>(
        "../audit/read.ts",
        import.meta.url,
      );
      const { verifySession } = await lazyImport<typeof import("../audit/verify.ts")>(
        "../audit/verify.ts",
        import.meta.url,
      );
      const ids = id === undefined ? listSessions().map((s) => s.id) : [id];
      let worst = 0;
      for (const one of ids) {
        const result = verifySession(one);
        worst = Math.max(
          worst,
          result.status === "tampered" ? 2 : result.status === "unsealed" ? 1 : 0,
        );
        console.log(values.json ? JSON.stringify(result) : formatVerify(result));
      }
      if (ids.length === 0 && !values.json) console.log("no sessions recorded");
      setExitStatus(worst === 2 ? 1 : worst === 1 ? 3 : 0);
    });
  audit.command("show")
    .description("show one session's requests")
    .argument("<id>", "the session id (see airlock audit list)")
    .option("--json", "print JSON lines, as recorded")
    .action(async (id: string, values: { json?: boolean }) => {
      const { readSession } = await lazyImport<typeof import("../audit/read.ts")>(
        "../audit/read.ts",
        import.meta.url,
      );
      const records = readSession(id);
      if (values.json) {
        for (const r of records) console.log(JSON.stringify(r));
      } else {
        console.log(formatRecords(records).trimEnd());
        const usage = formatUsage(records);
        if (usage) console.log("\n" + usage.trimEnd());
      }
    });
}
