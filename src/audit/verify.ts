/**
 * Verifying a session's audit chain (`airlock audit verify`): every record's `seq` is its
 * position and its `prev` is the SHA-256 of the line before (of the session's nonce for
 * the first); the log ends with a seal whose hash `session.json` also holds. The first
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
 * the session crashed or is still running — not evidence of tampering.
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
 * @param info The contents of `session.json` (its `nonce` and `sealed`).
 * @returns The outcome.
 * @example
 * ```ts
 * import { verifyChain } from "./verify.ts";
 * import { sha256Hex } from "./session_log.ts";
 * const r1 = JSON.stringify({ kind: "route", seq: 1, prev: sha256Hex("n") });
 * const seal = JSON.stringify({ kind: "seal", count: 1, seq: 2, prev: sha256Hex(r1) });
 * const info = { nonce: "n", sealed: { time: "", count: 2, hash: sha256Hex(seal) } };
 * console.assert(verifyChain("s", `${r1}\n${seal}\n`, info).status === "intact");
 * console.assert(verifyChain("s", `${r1}\n`, info).problem?.kind === "cut");
 * ```
 */
export function verifyChain(
  id: string,
  text: string,
  info: Pick<SessionInfo, "nonce" | "sealed">,
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
  let prev = sha256Hex(info.nonce ?? "");
  for (let i = 0; i < lines.length; i++) {
    const { record, line } = lines[i]!;
    const position = i + 1;
    const isLast = i === lines.length - 1;
    if (record === null) {
      if (isLast && torn) {
        return tampered(id, i, "truncated", position, `line ${position} is cut off mid-record`);
      }
      return tampered(id, i, "edited", position, `line ${position} is not a JSON record`);
    }
    if (record.seq !== position) {
      const seq = record.seq;
      const next = lines[i + 1]?.record?.seq;
      if (seq === position + 1 && next === position) {
        return tampered(
          id,
          i,
          "reordered",
          position,
          `records ${position} and ${position + 1} are in each other's place`,
        );
      }
      if (typeof seq === "number" && seq > position) {
        return tampered(
          id,
          i,
          "removed",
          position,
          `record${seq - position > 1 ? "s" : ""} ${position}${
            seq - position > 1 ? `–${seq - 1}` : ""
          } removed before line ${position}`,
        );
      }
      return tampered(id, i, "inserted", position, `line ${position} was inserted`);
    }
    if (record.prev !== prev) {
      return i === 0
        ? tampered(id, 0, "edited", 1, "record 1 does not follow the session's nonce")
        : tampered(id, i, "edited", i, `record ${i} was edited`);
    }
    prev = sha256Hex(line);
    if (record.kind === "seal") {
      if (!isLast) {
        return tampered(id, i, "inserted", position + 1, `line ${position + 1} follows the seal`);
      }
      if (record.count !== i) {
        return tampered(id, i, "edited", position, "the seal's count does not match the log");
      }
      if (info.sealed && (info.sealed.hash !== prev || info.sealed.count !== position)) {
        return tampered(
          id,
          i,
          "seal-mismatch",
          position,
          "the seal differs from the one session.json holds",
        );
      }
      return { id, status: "intact", records: i, sealed: true };
    }
  }
  if (info.sealed) {
    return tampered(
      id,
      lines.length,
      "cut",
      lines.length + 1,
      `the log ends after ${lines.length} lines, but the session was sealed after ${
        info.sealed.count - 1
      } records`,
    );
  }
  return { id, status: "unsealed", records: lines.length, sealed: false };
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
