/**
 * The per-session audit log: one JSON line per proxied request, tunnel and refusal in
 * `$XDG_STATE_HOME/airlock/sessions/<id>/audit.jsonl`, plus `session.json` describing
 * the session. Records hold names, sizes, times and decisions — never a header value,
 * a query value or a secret.
 *
 * @module
 */

import { stateDir } from "../state_dir.ts";

/** One audit record (one line of `audit.jsonl`). */
export interface AuditRecord {
  /** ISO 8601 time the request arrived. */
  time: string;
  /**
   * `route` (reverse proxy), `connect` (tunnel), `forward` (absolute-form HTTP), `limit`
   * (one burst of refusals under pressure, see `count`).
   */
  kind: "route" | "connect" | "forward" | "limit";
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
  /** For `kind: "limit"`: how many refusals the burst held. */
  count?: number;
}

/** Session metadata (`session.json`). */
export interface SessionInfo {
  /** The session id. */
  id: string;
  /** ISO 8601 start time. */
  started: string;
  /** The proxy port. */
  port: number;
  /** Route names served. */
  routes: string[];
  /** The profile in force. */
  profile: string;
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

  private constructor(dir: string, file: Deno.FsFile) {
    this.dir = dir;
    this.path = `${dir}/audit.jsonl`;
    this.#file = file;
  }

  /**
   * Creates the session directory (mode 0700) and opens its audit file (mode 0600).
   * Requires `--allow-read` and `--allow-write` to the state directory.
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
    Deno.writeTextFileSync(`${dir}/session.json`, JSON.stringify(info, null, 2) + "\n", {
      mode: 0o600,
    });
    const file = Deno.openSync(`${dir}/audit.jsonl`, {
      append: true,
      create: true,
      mode: 0o600,
    });
    return new SessionLog(dir, file);
  }

  /**
   * Appends one record. Never throws: a failing disk must not break a proxied request.
   *
   * @param record The record.
   */
  write(record: AuditRecord): void {
    if (!this.#file) return;
    try {
      const bytes = this.#encoder.encode(JSON.stringify(record) + "\n");
      let off = 0;
      while (off < bytes.length) off += this.#file.writeSync(bytes.subarray(off));
    } catch {
      // Best effort: the request itself goes on.
    }
  }

  /** Closes the file; later writes are dropped. */
  close(): void {
    this.#file?.close();
    this.#file = null;
  }
}
