/**
 * Verifying a session's audit chain (`airlock audit verify`): every record's `seq` is its
 * position and its `prev` is the SHA-256 of the line before (the first line is a header
 * holding the session's random nonce, so the first record hashes it); the log ends with
 * a seal whose hash `session.json` also holds. The first
 * break is reported with what it means:
 *
 * - `edited`: a record's bytes changed (the next record's `prev`, or the seal's, no longer
 *   matches it), or a line is not a JSON record;
 * - `inserted`: a record whose `seq` has no place there;
 * - `removed`: `seq` jumps forward (records are missing);
 * - `reordered`: two records swapped;
 * - `truncated`: the last line is cut off mid-record;
 * - `cut`: the log ends before its seal, although `session.json` says it was sealed;
 * - `seal-mismatch`: the seal differs from the one `session.json` holds.
 *
 * A log that is intact but has no seal, and a `session.json` without one, is `unsealed`:
 * the session crashed or is still running — not evidence of tampering. Seals in the
 * middle of a log are fine when the chain goes on through them (a record appended after
 * a session ended is followed by a new seal); the last one must match `session.json`.
 *
 * @module
 */

import { AirlockError, EXIT_AIRLOCK_FAILED } from "../errors.ts";
import {
  type AuditRecord,
  isValidSessionId,
  type SessionInfo,
  sessionsDir,
  sha256Hex,
} from "./session_log.ts";

/** What went wrong, at the first break. */
export type ChainProblem =
  | "edited"
  | "inserted"
  | "removed"
  | "reordered"
  | "truncated"
  | "cut"
  | "seal-mismatch";

/** The outcome of verifying one session. */
export interface VerifyResult {
  /** The session id. */
  id: string;
  /** `intact`, `unsealed` (no seal anywhere: crashed or running) or `tampered`. */
  status: "intact" | "unsealed" | "tampered";
  /** Records before the seal (or all, without one). */
  records: number;
  /** Whether the log ends with a valid seal. */
  sealed: boolean;
  /** The first break, when tampered. */
  problem?: {
    /** What kind of change. */
    kind: ChainProblem;
    /** The line (1-based) where it shows. */
    line: number;
    /** One sentence for people. */
    message: string;
  };
}

interface Parsed {
  record: AuditRecord | null;
  line: string;
}

function tampered(
  id: string,
  records: number,
  kind: ChainProblem,
  line: number,
  message: string,
): VerifyResult {
  return { id, status: "tampered", records, sealed: false, problem: { kind, line, message } };
}

/**
 * Verifies the chain of a log's text against its session metadata.
 *
 * @param id The session id (for the result).
 * @param text The contents of `audit.jsonl`.
 * @param info The contents of `session.json` (its `sealed`).
 * @returns The outcome.
 * @example
 * ```ts
 * import { verifyChain } from "./verify.ts";
 * import { sha256Hex } from "./session_log.ts";
 * const h = JSON.stringify({ kind: "start", seq: 0, nonce: "ab".repeat(32) });
 * const r1 = JSON.stringify({ kind: "route", seq: 1, prev: sha256Hex(h) });
 * const seal = JSON.stringify({ kind: "seal", count: 1, seq: 2, prev: sha256Hex(r1) });
 * const info = { sealed: { time: "", count: 2, hash: sha256Hex(seal) } };
 * console.assert(verifyChain("s", `${h}\n${r1}\n${seal}\n`, info).status === "intact");
 * console.assert(verifyChain("s", `${h}\n${r1}\n`, info).problem?.kind === "cut");
 * ```
 */
export function verifyChain(
  id: string,
  text: string,
  info: Pick<SessionInfo, "sealed">,
): VerifyResult {
  const raw = text.split("\n");
  const torn = raw.at(-1) !== "";
  if (!torn) raw.pop();
  const lines: Parsed[] = raw.map((line) => {
    try {
      const record = JSON.parse(line) as AuditRecord;
      return { record: typeof record === "object" && record !== null ? record : null, line };
    } catch {
      return { record: null, line };
    }
  });
  const header = lines[0]?.record as { kind?: unknown; seq?: unknown; nonce?: unknown } | null;
  if (
    !header || header.kind !== "start" || header.seq !== 0 || typeof header.nonce !== "string" ||
    !/^[0-9a-f]{64}$/.test(header.nonce)
  ) {
    if (lines.length === 0 && !info.sealed) {
      return { id, status: "unsealed", records: 0, sealed: false };
    }
    return tampered(id, 0, "edited", 1, "the log does not start with its header (seq 0, nonce)");
  }
  let prev = sha256Hex(lines[0]!.line);
  let records = 0;
  let last: { seq: number; hash: string; kind: string } = { seq: 0, hash: prev, kind: "start" };
  for (let i = 1; i < lines.length; i++) {
    const { record, line } = lines[i]!;
    const position = i + 1;
    if (record === null) {
      if (i === lines.length - 1 && torn) {
        return tampered(
          id,
          records,
          "truncated",
          position,
          `line ${position} is cut off mid-record`,
        );
      }
      return tampered(id, records, "edited", position, `line ${position} is not a JSON record`);
    }
    if (record.seq !== i) {
      const seq = record.seq;
      const next = lines[i + 1]?.record?.seq;
      if (seq === i + 1 && next === i) {
        return tampered(
          id,
          records,
          "reordered",
          position,
          `lines ${position} and ${position + 1} are in each other's place`,
        );
      }
      if (typeof seq === "number" && seq > i) {
        return tampered(
          id,
          records,
          "removed",
          position,
          `${seq - i === 1 ? "a record" : `${seq - i} records`} removed before line ${position}`,
        );
      }
      return tampered(id, records, "inserted", position, `line ${position} was inserted`);
    }
    if (record.prev !== prev) {
      return i === 1
        ? tampered(id, 0, "edited", 1, "the header was edited")
        : tampered(id, records, "edited", i, `line ${i} was edited`);
    }
    prev = sha256Hex(line);
    if (record.kind === "seal") {
      if (record.count !== i - 1) {
        return tampered(id, records, "edited", position, "a seal's count does not match the log");
      }
    } else {
      records++;
    }
    last = { seq: i, hash: prev, kind: record.kind };
  }
  if (last.kind === "seal") {
    if (!info.sealed || info.sealed.hash !== last.hash || info.sealed.count !== last.seq) {
      return tampered(
        id,
        records,
        "seal-mismatch",
        lines.length,
        "the last seal differs from the one session.json holds",
      );
    }
    return { id, status: "intact", records, sealed: true };
  }
  if (info.sealed) {
    return tampered(
      id,
      records,
      "cut",
      lines.length + 1,
      `the log ends after line ${lines.length} without the seal session.json records (line ${
        info.sealed.count + 1
      })`,
    );
  }
  return { id, status: "unsealed", records, sealed: false };
}

/**
 * Verifies one session's log. Requires `--allow-read` to the state directory.
 *
 * @param id The session id.
 * @param env The environment for the state directory.
 * @returns The outcome.
 * @throws {AirlockError} When the session or its log does not exist (exit 125).
 */
export function verifySession(
  id: string,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): VerifyResult {
  if (!isValidSessionId(id)) {
    throw new AirlockError(`Cannot verify session "${id}": not a session id`, EXIT_AIRLOCK_FAILED, {
      hint: "run airlock audit list",
    });
  }
  const dir = `${sessionsDir(env)}/${id}`;
  let text: string;
  try {
    text = Deno.readTextFileSync(`${dir}/audit.jsonl`);
  } catch (err) {
    throw new AirlockError(
      `Cannot verify session "${id}": no audit log found`,
      EXIT_AIRLOCK_FAILED,
      { hint: "run airlock audit list", cause: err },
    );
  }
  let info: Partial<SessionInfo> = {};
  try {
    info = JSON.parse(Deno.readTextFileSync(`${dir}/session.json`)) as SessionInfo;
  } catch {
    // verifyChain reports record 1 against an empty nonce
  }
  return verifyChain(id, text, info);
}
