/**
 * The per-session audit log: one JSON line per proxied request, tunnel and refusal in
 * `$XDG_STATE_HOME/airlock/sessions/<id>/audit.jsonl`, plus `session.json` describing
 * the session. Records hold names, sizes, times and decisions — never a header value,
 * a query value or a secret.
 *
 * The log is tamper-evident: record `seq` N carries `prev`, the SHA-256 (hex) of record
 * N−1's exact bytes (its line without the newline; for the first record, of the
 * session's random `nonce` in `session.json`), and `close()` appends a seal record
 * (`kind: "seal"`, the record count, chained like the others) and writes the seal's hash
 * into `session.json` (`sealed`). `verify.ts` finds the first record edited, inserted,
 * removed, reordered or cut off, and tells a session that ended without a seal (crashed,
 * or still running) from a log cut after its seal. This detects changes by anyone who
 * does not rewrite the whole chain and `session.json` together. The sandboxed command
 * must not be able to write the audit directory at all: no profile grants it, and it is
 * not yet a protected path (see docs/proxy.md).
 *
 * @module
 */

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
  /** For `kind: "limit"`: how many refusals the burst held; for `seal`: the records before it. */
  count?: number;
  /** Position in the log, from 1 (set by {@linkcode SessionLog.write}). */
  seq?: number;
  /** SHA-256 hex of the previous record's line (of the nonce, for the first). */
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
  /** Position in the chain (set by the log). */
  seq?: number;
  /** SHA-256 hex of the previous record's line (set by the log). */
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
  /** Random hex the first record's `prev` hashes (set by {@linkcode SessionLog.open}). */
  nonce?: string;
  /** Written by `close()`: the seal's position and the SHA-256 hex of its line. */
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

/**
 * Generates a session id: UTC time plus 6 random hex digits, sortable by start.
 *
 * @returns An id like `20260101T120000Z-a1b2c3`.
 * @example
 * ```ts
 * import { newSessionId } from "./session_log.ts";
 * console.assert(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/.test(newSessionId()));
 * ```
 */
export function newSessionId(): string {
  const t = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const r = crypto.getRandomValues(new Uint8Array(3));
  return `${t}-${[...r].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * Validates a session id so it can name a directory.
 *
 * @param id The id.
 * @returns True when it is safe as a single path component.
 */
export function isValidSessionId(id: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id);
}

/** An open audit log. */
export class SessionLog {
  /** The session directory. */
  readonly dir: string;
  /** The JSONL file path. */
  readonly path: string;
  #file: Deno.FsFile | null;
  #encoder = new TextEncoder();
  #info: SessionInfo;
  #seq = 0;
  #prev: string;

  private constructor(dir: string, file: Deno.FsFile, info: SessionInfo) {
    this.dir = dir;
    this.path = `${dir}/audit.jsonl`;
    this.#file = file;
    this.#info = info;
    this.#prev = sha256Hex(info.nonce ?? "");
  }

  /**
   * Creates the session directory (mode 0700) and opens its audit file (mode 0600),
   * writing `session.json` with a fresh nonce. Requires `--allow-read` and
   * `--allow-write` to the state directory.
   *
   * @param info The session metadata, written to `session.json`.
   * @param env The environment for the state directory.
   * @returns The open log.
   * @throws {Deno.errors.PermissionDenied} When the directory cannot be created.
   * @throws {Deno.errors.AlreadyExists} When the session's log exists already.
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
    const nonce = [...crypto.getRandomValues(new Uint8Array(32))]
      .map((b) => b.toString(16).padStart(2, "0")).join("");
    const full = { ...info, nonce };
    // A new chain never continues an old file: the log is created, not appended to.
    const file = Deno.openSync(`${dir}/audit.jsonl`, {
      write: true,
      append: true,
      createNew: true,
      mode: 0o600,
    });
    writeJsonAtomic(`${dir}/session.json`, full);
    return new SessionLog(dir, file, full);
  }

  /**
   * Appends one record, chained to the one before. Never throws: a failing disk must
   * not break a proxied request.
   *
   * @param record The record (`seq` and `prev` are set here).
   */
  write(record: AuditRecord | RollbackAuditRecord): void {
    if (!this.#file) return;
    this.#append({ ...record, seq: this.#seq + 1, prev: this.#prev });
  }

  #append(record: AuditRecord | RollbackAuditRecord): string | undefined {
    try {
      const line = JSON.stringify(record);
      const bytes = this.#encoder.encode(line + "\n");
      let off = 0;
      while (off < bytes.length) off += this.#file!.writeSync(bytes.subarray(off));
      this.#seq++;
      this.#prev = sha256Hex(line);
      return this.#prev;
    } catch {
      // Best effort: the request itself goes on (verify reports the gap).
      return undefined;
    }
  }

  /**
   * Appends the seal record, records it in `session.json`, and closes the file; later
   * writes are dropped.
   */
  close(): void {
    if (!this.#file) return;
    const time = new Date().toISOString();
    const count = this.#seq;
    const hash = this.#append({
      time,
      kind: "seal",
      method: "-",
      status: 0,
      bytesUp: 0,
      bytesDown: 0,
      durationMs: 0,
      decision: "sealed",
      count,
      seq: count + 1,
      prev: this.#prev,
    });
    try {
      this.#file.syncSync();
    } catch { /* best effort */ }
    this.#file.close();
    this.#file = null;
    if (hash === undefined) return;
    try {
      writeJsonAtomic(`${this.dir}/session.json`, {
        ...this.#info,
        sealed: { time, count: count + 1, hash },
      });
    } catch { /* the seal record is in the log; verify says session.json lacks it */ }
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
