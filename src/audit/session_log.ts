/**
 * The per-session audit log: one JSON line per proxied request, tunnel and refusal in
 * `$XDG_STATE_HOME/airlock/sessions/<id>/audit.jsonl`, plus `session.json` describing
 * the session. Records hold names, sizes, times and decisions — never a header value,
 * a query value or a secret.
 *
 * The log is tamper-evident: its first line is a header (`kind: "start"`, `seq` 0, a random
 * `nonce`); record `seq` N carries `prev`, the SHA-256 (hex) of line N−1's exact bytes
 * (without the newline), so the first record hashes the header and its nonce. `close()`
 * appends a seal (`kind: "seal"`, `count` = `seq` − 1, chained like the others) and writes
 * its hash into `session.json` (`sealed`). Every writer of a session's log — the proxy
 * here, rollback's records (`appendChained`) — appends under an exclusive lock and chains
 * to whatever line is last; a record appended after a seal is followed by a new seal.
 * `verify.ts` finds the first record edited, inserted, removed, reordered or cut off, and
 * tells a session that ended without a seal (crashed, or still running) from a log cut
 * after its seal. This detects changes by anyone who does not rewrite the whole chain
 * and `session.json` together; the state directory is a protected path, so the sandboxed
 * command can do neither.
 *
 * @module
 */

export { isValidSessionId, newSessionId } from "./session_id.ts";
import { createHash } from "node:crypto";
import { stateDir } from "../state_dir.ts";

/** One audit record (one line of `audit.jsonl`). */
export interface AuditRecord {
  /** ISO 8601 time the request arrived. */
  time: string;
  /**
   * `route` (reverse proxy), `connect` (tunnel), `forward` (absolute-form HTTP), `limit`
   * (one burst of refusals under pressure, see `count`), `seal` (the last record).
   */
  kind: "route" | "connect" | "forward" | "limit" | "seal";
  /** The route name, for `kind: "route"`. */
  route?: string;
  /** The target host (and port) for tunnels and forwards; the upstream host for routes. */
  host?: string;
  /** `intercept` for a request that arrived through TLS interception (a CONNECT to a route's host). */
  via?: "intercept";
  /** The HTTP method. */
  method: string;
  /** Path with query parameter names only (`/v1/x?key=`). */
  path?: string;
  /** The status answered to the client (0 when the connection broke before one). */
  status: number;
  /** Bytes from the client to the upstream (request body or tunnel bytes). */
  bytesUp: number;
  /** Bytes from the upstream to the client. */
  bytesDown: number;
  /** Milliseconds from arrival to the end of the response or tunnel. */
  durationMs: number;
  /**
   * `allowed`, or why not: `denied-token`, `denied-domain`, `denied-address`,
   * `proxy-auth-required`, `unknown-route`, `upstream-error`, `upstream-timeout`, `client-aborted`.
   */
  decision: string;
  /** Short detail for refusals and failures (never a secret or header value). */
  detail?: string;
  /** Forms of the real credential the proxy replaced in the response (absent: none). */
  scrubbed?: number;
  /** The model the request named (Gemini's path, or the JSON body under a `models` limit). */
  model?: string;
  /** The LLM tokens the response reported (absent: it reported none). */
  usage?: { input: number; output: number; total: number };
  /** For `decision: "denied-limit"`: the token limit that refused it (`max_requests`, …). */
  limit?: string;
  /** For `kind: "limit"`: how many refusals the burst held; for `seal`: the records before it. */
  count?: number;
  /** Position in the log, from 1 (set by {@linkcode SessionLog.write}). */
  seq?: number;
  /** SHA-256 hex of the previous line (the chain's header, holding the nonce, for the first). */
  prev?: string;
}

/**
 * One rollback record (one line of `audit.jsonl`): a snapshot taken before a run, the
 * tree the run left, a guarded path put back or accepted, a restore. Holds ids, roots,
 * counts and paths — never file content.
 */
export interface RollbackAuditRecord {
  /** ISO 8601 time. */
  time: string;
  /** Always `rollback`. */
  kind: "rollback";
  /** `snapshot`, `after`, `guard-restored`, `guard-accepted` or `restore`. */
  event: "snapshot" | "after" | "guard-restored" | "guard-accepted" | "restore";
  /** The snapshot id. */
  snapshot: string;
  /** The workdir. */
  workdir: string;
  /** The Merkle root of the tree recorded (for `snapshot` and `after`). */
  root?: string;
  /** The guarded path (guard events) or the paths restored (`restore`, `*` for all). */
  path?: string;
  /** Short detail: counts, the change kind, the command's exit status. */
  detail?: string;
  /** Position in the log (set by the chain, see {@linkcode appendChained}). */
  seq?: number;
  /** SHA-256 hex of the previous line (set by the chain). */
  prev?: string;
}

/** Session metadata (`session.json`). */
export interface SessionInfo {
  /** The session id. */
  id: string;
  /** ISO 8601 start time. */
  started: string;
  /** The proxy port (0 for a run without the proxy). */
  port: number;
  /** Route names served. */
  routes: string[];
  /** The profile in force. */
  profile: string;
  /** Written by `close()` (and by later appenders): the last seal's `seq` and line hash. */
  sealed?: { time: string; count: number; hash: string };
}

/**
 * SHA-256 of a string's UTF-8 bytes, in hex.
 *
 * @param text The text.
 * @returns 64 hex digits.
 * @example
 * ```ts
 * import { sha256Hex } from "./session_log.ts";
 * console.assert(sha256Hex("").startsWith("e3b0c442"));
 * ```
 */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * The sessions directory.
 *
 * @param env The environment (`XDG_STATE_HOME`, `HOME`).
 * @returns `<state>/sessions`.
 * @example
 * ```ts
 * import { sessionsDir } from "./session_log.ts";
 * console.assert(sessionsDir({ XDG_STATE_HOME: "/s" }) === "/s/airlock/sessions");
 * ```
 */
export function sessionsDir(env: Record<string, string | undefined> = Deno.env.toObject()): string {
  return `${stateDir(env)}/sessions`;
}

/** The chain state after a log's last line. */
interface ChainTail {
  /** The last line's `seq` (−1 for an empty log). */
  seq: number;
  /** SHA-256 hex of the last line. */
  prev: string;
  /** Whether the last line is a seal. */
  sealed: boolean;
  /** The file size it was read at. */
  size: number;
}

function randomHex(bytes: number): string {
  return [...crypto.getRandomValues(new Uint8Array(bytes))]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Reads the chain state from the end of an open log (the caller holds the lock). */
function readTail(file: Deno.FsFile): ChainTail {
  const size = file.statSync().size;
  if (size === 0) return { seq: -1, prev: "", sealed: false, size };
  let span = Math.min(size, 16 * 1024);
  for (;;) {
    const buf = new Uint8Array(span);
    file.seekSync(size - span, Deno.SeekMode.Start);
    let got = 0;
    while (got < span) got += file.readSync(buf.subarray(got)) ?? span;
    const text = new TextDecoder().decode(buf);
    const body = text.endsWith("\n") ? text.slice(0, -1) : text;
    const start = body.lastIndexOf("\n");
    if (start < 0 && span < size) {
      span = Math.min(size, span * 4);
      continue;
    }
    const line = body.slice(start + 1);
    let seq = -1;
    let sealed = false;
    try {
      const r = JSON.parse(line) as { seq?: unknown; kind?: unknown };
      if (typeof r.seq === "number") seq = r.seq;
      sealed = r.kind === "seal";
    } catch { /* a torn line: the next record chains to it, verify reports it */ }
    return { seq, prev: sha256Hex(line), sealed, size };
  }
}

/** Writes one line; returns the line's hash. */
function writeLine(file: Deno.FsFile, value: unknown): { hash: string; bytes: number } {
  const line = JSON.stringify(value);
  const bytes = new TextEncoder().encode(line + "\n");
  let off = 0;
  while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
  return { hash: sha256Hex(line), bytes: bytes.length };
}

/** Appends `record` after `tail` (and a header first for an empty log). */
function appendAfter(
  file: Deno.FsFile,
  tail: ChainTail,
  record: object,
): ChainTail {
  let { seq, prev, size } = tail;
  if (seq < 0 && size === 0) {
    const header = writeLine(file, {
      kind: "start",
      time: new Date().toISOString(),
      seq: 0,
      nonce: randomHex(32),
    });
    seq = 0;
    prev = header.hash;
    size += header.bytes;
  }
  const written = writeLine(file, { ...record, seq: seq + 1, prev });
  const kind = (record as { kind?: unknown }).kind;
  return { seq: seq + 1, prev: written.hash, sealed: kind === "seal", size: size + written.bytes };
}

function sealRecord(seq: number): AuditRecord {
  return {
    time: new Date().toISOString(),
    kind: "seal",
    method: "-",
    status: 0,
    bytesUp: 0,
    bytesDown: 0,
    durationMs: 0,
    decision: "sealed",
    count: seq,
  };
}

function recordSeal(dir: string, tail: ChainTail): void {
  let info: Record<string, unknown> = {};
  try {
    info = JSON.parse(Deno.readTextFileSync(`${dir}/session.json`));
  } catch { /* none yet */ }
  writeJsonAtomic(`${dir}/session.json`, {
    ...info,
    sealed: { time: new Date().toISOString(), count: tail.seq, hash: tail.prev },
  });
}

/**
 * Appends one record to a session's audit log from any writer (rollback's records,
 * `airlock rollback restore` after the session), chained to whatever line is last, under
 * an exclusive lock; a log that ended with a seal gets a new seal after the record, and
 * `session.json` records it. Requires `--allow-read` and `--allow-write` to the session
 * directory.
 *
 * @param dir The session directory (it must exist).
 * @param record The record (`seq` and `prev` are set here).
 * @returns True when written.
 * @example
 * ```ts
 * import { appendChained } from "./session_log.ts";
 * const dir = await Deno.makeTempDir();
 * appendChained(dir, { kind: "rollback", event: "snapshot" });
 * const lines = Deno.readTextFileSync(`${dir}/audit.jsonl`).trim().split("\n");
 * console.assert(lines.length === 2 && JSON.parse(lines[1]!).seq === 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function appendChained(dir: string, record: object): boolean {
  // In this process the session's open log (the proxy's) writes it: one chain, no lock.
  const open = OPEN_LOGS.get(dir);
  if (open) return open.write(record as AuditRecord);
  let file: Deno.FsFile | undefined;
  try {
    file = Deno.openSync(`${dir}/audit.jsonl`, {
      read: true,
      append: true,
      create: true,
      mode: 0o600,
    });
    file.lockSync(true);
    const before = readTail(file);
    let tail = appendAfter(file, before, record);
    if (before.sealed) {
      tail = appendAfter(file, tail, sealRecord(tail.seq));
      file.syncSync();
      recordSeal(dir, tail);
    }
    return true;
  } catch {
    return false;
  } finally {
    try {
      file?.unlockSync();
      file?.close();
    } catch { /* closed */ }
  }
}

/** The logs open in this process, by session directory (see {@linkcode appendChained}). */
const OPEN_LOGS = new Map<string, SessionLog>();

/**
 * Whether this process holds a session's log open (the session proxy's, for instance).
 *
 * @param dir The session directory.
 * @returns True when it is open here.
 */
export function isLogOpen(dir: string): boolean {
  return OPEN_LOGS.has(dir);
}

/** An open audit log. */
export class SessionLog {
  /** The session directory. */
  readonly dir: string;
  /** The JSONL file path. */
  readonly path: string;
  #file: Deno.FsFile | null;
  #tail: ChainTail;

  private constructor(dir: string, file: Deno.FsFile, tail: ChainTail) {
    this.dir = dir;
    this.path = `${dir}/audit.jsonl`;
    this.#file = file;
    this.#tail = tail;
  }

  /**
   * Creates the session directory (mode 0700), writes `session.json` (mode 0600; fields of
   * one another writer made first are kept unless `info` sets them) and opens its audit
   * file (mode 0600), writing the chain's header when it is new. Requires `--allow-read`
   * and `--allow-write` to the state directory.
   *
   * @param info The session metadata, written to `session.json`.
   * @param env The environment for the state directory.
   * @returns The open log.
   * @throws {Deno.errors.PermissionDenied} When the directory cannot be created.
   * @example
   * ```ts ignore
   * const log = SessionLog.open({ id, started, port, routes: ["openai"], profile: "default" });
   * log.write({ ...record });
   * log.close();
   * ```
   */
  static open(
    info: SessionInfo,
    env: Record<string, string | undefined> = Deno.env.toObject(),
  ): SessionLog {
    const dir = `${sessionsDir(env)}/${info.id}`;
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
    let existing: Record<string, unknown> = {};
    try {
      existing = JSON.parse(Deno.readTextFileSync(`${dir}/session.json`));
    } catch { /* a new session */ }
    writeJsonAtomic(`${dir}/session.json`, { ...existing, ...info });
    const file = Deno.openSync(`${dir}/audit.jsonl`, {
      read: true,
      append: true,
      create: true,
      mode: 0o600,
    });
    file.lockSync(true);
    try {
      let tail = readTail(file);
      if (tail.size === 0) {
        // Write the header now, so every later record chains to this log's nonce.
        const header = writeLine(file, {
          kind: "start",
          time: new Date().toISOString(),
          seq: 0,
          nonce: randomHex(32),
        });
        tail = { seq: 0, prev: header.hash, sealed: false, size: header.bytes };
      }
      const log = new SessionLog(dir, file, tail);
      OPEN_LOGS.set(dir, log);
      return log;
    } finally {
      file.unlockSync();
    }
  }

  /**
   * Appends one record, chained to the line before. The other writers of this process go
   * through this log ({@linkcode appendChained}), and none of another process appends
   * while a session runs (rollback's restore waits for the run's lock on its store), so
   * no lock is taken per record; `open()` and `close()` take it. Never throws: a failing
   * disk must not break a proxied request.
   *
   * @param record The record (`seq` and `prev` are set here).
   * @returns True when written.
   */
  write(record: AuditRecord | RollbackAuditRecord): boolean {
    const file = this.#file;
    if (!file) return false;
    try {
      this.#tail = appendAfter(file, this.#tail, record);
      return true;
    } catch {
      return false; // best effort: the request itself goes on (verify reports the gap)
    }
  }

  /**
   * Appends the seal record, records it in `session.json`, and closes the file; later
   * writes are dropped.
   */
  close(): void {
    const file = this.#file;
    if (!file) return;
    this.#file = null;
    OPEN_LOGS.delete(this.dir);
    try {
      file.lockSync(true);
      if (file.statSync().size !== this.#tail.size) this.#tail = readTail(file);
      this.#tail = appendAfter(file, this.#tail, sealRecord(this.#tail.seq));
      file.syncSync();
      recordSeal(this.dir, this.#tail);
    } catch {
      // verify reports the missing seal
    } finally {
      try {
        file.unlockSync();
      } catch { /* closed */ }
      file.close();
    }
  }
}

/**
 * Writes JSON to a file atomically (temporary file, fsync, rename), mode 0600.
 *
 * @param path The destination.
 * @param value The value.
 */
function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  const file = Deno.openSync(tmp, { write: true, createNew: true, mode: 0o600 });
  try {
    file.writeSync(new TextEncoder().encode(JSON.stringify(value, null, 2) + "\n"));
    file.syncSync();
  } finally {
    file.close();
  }
  Deno.renameSync(tmp, path);
}
