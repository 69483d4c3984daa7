/**
 * The in-toto v1 statement airlock signs for an instruction file: one subject (the
 * file's name relative to the scanned root and its SHA-256) and airlock's predicate type,
 * whose predicate names the file's kind. Checking a statement is the caller's job that
 * `@sigstore/verify` leaves undone: it verifies signatures, not what they are about.
 *
 * @module
 */

import type { FileKind } from "./default_includes.ts";

/** The in-toto statement type airlock writes and accepts. */
export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";

/** airlock's predicate type: "this is an instruction file an agent may obey". */
export const PREDICATE_TYPE = "https://github.com/airlock/airlock/attestation/instruction-file/v1";

/** The statement, as JSON. */
export interface Statement {
  /** {@linkcode STATEMENT_TYPE}. */
  _type: string;
  /** Exactly one subject. */
  subject: { name: string; digest: Record<string, string> }[];
  /** {@linkcode PREDICATE_TYPE}. */
  predicateType: string;
  /** What the file is. */
  predicate: { kind: FileKind };
}

/** What a statement must say about a file. */
export interface ExpectedSubject {
  /** The file's statement name (`pkg/CLAUDE.md`, `~/.claude/CLAUDE.md`). */
  name: string;
  /** The file's SHA-256, hex. */
  sha256: string;
  /** The file's kind. */
  kind: FileKind;
}

/** Why a statement does not fit its file: the status and one phrase. */
export interface StatementProblem {
  /** `wrong-name`, `tampered`, or `invalid-bundle` for a statement that is not airlock's. */
  status: "wrong-name" | "tampered" | "invalid-bundle";
  /** One phrase, e.g. `the statement names "b/CLAUDE.md"`. */
  reason: string;
}

/**
 * Builds the statement for a file.
 *
 * @param subject The file's name, digest and kind.
 * @returns The statement.
 * @example
 * ```ts
 * import { buildStatement, PREDICATE_TYPE } from "./statement.ts";
 * const s = buildStatement({ name: "CLAUDE.md", sha256: "00".repeat(32), kind: "instructions" });
 * console.assert(s.predicateType === PREDICATE_TYPE && s.subject[0]!.name === "CLAUDE.md");
 * ```
 */
export function buildStatement(subject: ExpectedSubject): Statement {
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: subject.name, digest: { sha256: subject.sha256 } }],
    predicateType: PREDICATE_TYPE,
    predicate: { kind: subject.kind },
  };
}

/**
 * Checks a signed payload against the file it claims to cover.
 *
 * @param payload The DSSE payload bytes (already signature-checked).
 * @param expected What the statement must say.
 * @returns Null when it fits; otherwise the problem.
 * @example
 * ```ts
 * import { buildStatement, checkStatement } from "./statement.ts";
 * const signed = buildStatement({ name: "b/CLAUDE.md", sha256: "00".repeat(32), kind: "instructions" });
 * const bytes = new TextEncoder().encode(JSON.stringify(signed));
 * const problem = checkStatement(bytes, { ...signed.subject[0]!, name: "a/CLAUDE.md", sha256: "00".repeat(32), kind: "instructions" });
 * console.assert(problem?.status === "wrong-name");
 * ```
 */
export function checkStatement(
  payload: Uint8Array,
  expected: ExpectedSubject,
): StatementProblem | null {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
  } catch {
    return { status: "invalid-bundle", reason: "the signed statement is not JSON" };
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
    return { status: "invalid-bundle", reason: "the signed statement is not a JSON object" };
  }
  const s = doc as Partial<Record<keyof Statement, unknown>>;
  if (s._type !== STATEMENT_TYPE) {
    return {
      status: "invalid-bundle",
      reason: `the statement type is ${shown(s._type)}, not in-toto v1`,
    };
  }
  if (s.predicateType !== PREDICATE_TYPE) {
    return {
      status: "invalid-bundle",
      reason: `the predicate type is ${shown(s.predicateType)}, not airlock's ${PREDICATE_TYPE}`,
    };
  }
  if (!Array.isArray(s.subject) || s.subject.length !== 1) {
    return { status: "invalid-bundle", reason: "the statement must name exactly one subject" };
  }
  const subject = s.subject[0] as { name?: unknown; digest?: { sha256?: unknown } } | null;
  if (subject?.name !== expected.name) {
    return { status: "wrong-name", reason: `the statement names ${shown(subject?.name)}` };
  }
  if (typeof subject.digest?.sha256 !== "string") {
    return { status: "invalid-bundle", reason: "the statement's subject has no sha256 digest" };
  }
  if (subject.digest.sha256.toLowerCase() !== expected.sha256) {
    return { status: "tampered", reason: "the file's SHA-256 differs from the signed one" };
  }
  const kind = (s.predicate as { kind?: unknown } | null)?.kind;
  if (kind !== expected.kind) {
    return {
      status: "invalid-bundle",
      reason: `the predicate names kind ${shown(kind)}, but the file is "${expected.kind}"`,
    };
  }
  return null;
}

function shown(value: unknown): string {
  const text = value === undefined ? "missing" : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
