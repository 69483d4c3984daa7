/**
 * Refusals under pressure, recorded per burst: when connections, request heads or
 * bodies go over a limit (or accepting fails), each refusal is counted, and one audit
 * record (plus, for accept errors, one log line) sums up each burst instead of one per
 * connection, so a flood cannot flood the audit log or the terminal. A burst ends after
 * {@linkcode BURST_QUIET_MS} without a refusal of its kind, or when the proxy closes.
 *
 * @module
 */

import type { AuditRecord } from "../audit/session_log.ts";
import { terminalSafe } from "../audit/terminal_safe.ts";

/** The kinds of refusal under pressure, with the status each answers. */
export const PRESSURE_STATUS = {
  "over-capacity": 503,
  "head-timeout": 408,
  "headers-too-large": 431,
  "body-too-large": 413,
  "malformed": 400,
  "accept-error": 0,
} as const;

/** A kind of refusal under pressure. */
export type PressureKind = keyof typeof PRESSURE_STATUS;

/** Milliseconds without a refusal of one kind that end its burst. */
export const BURST_QUIET_MS = 1000;

interface Burst {
  started: number;
  last: number;
  count: number;
  detail: string;
  timer: ReturnType<typeof setTimeout>;
}

/** Counts refusals and writes one audit record per burst. */
export class PressureLog {
  #bursts = new Map<PressureKind, Burst>();
  #audit: (record: AuditRecord) => void;
  #log: (line: string) => void;

  /**
   * @param audit The audit sink.
   * @param log Where a line per accept-error burst goes (default: stderr).
   */
  constructor(
    audit: (record: AuditRecord) => void,
    log: (line: string) => void = (line) => console.error(line),
  ) {
    this.#audit = audit;
    this.#log = log;
  }

  /**
   * Counts one refusal.
   *
   * @param kind What was refused.
   * @param detail The limit or error, e.g. `limit 512 connections` (first of a burst kept).
   * @example
   * ```ts
   * import { PressureLog } from "./pressure.ts";
   * const records: unknown[] = [];
   * const p = new PressureLog((r) => records.push(r), () => {});
   * for (let i = 0; i < 100; i++) p.refuse("over-capacity", "limit 512 connections");
   * p.flush();
   * console.assert(records.length === 1);
   * ```
   */
  refuse(kind: PressureKind, detail: string): void {
    const now = Date.now();
    let burst = this.#bursts.get(kind);
    if (!burst) {
      if (kind === "accept-error") {
        this.#log(`airlock: proxy cannot accept connections (${terminalSafe(detail)}); retrying`);
      }
      burst = {
        started: now,
        last: now,
        count: 0,
        detail,
        timer: setTimeout(() => this.#end(kind), BURST_QUIET_MS),
      };
      this.#bursts.set(kind, burst);
    }
    burst.count++;
    burst.last = now;
  }

  /** Whether a burst of this kind is going on. */
  active(kind: PressureKind): boolean {
    return this.#bursts.has(kind);
  }

  #end(kind: PressureKind): void {
    const burst = this.#bursts.get(kind);
    if (!burst) return;
    const quiet = Date.now() - burst.last;
    if (quiet < BURST_QUIET_MS) {
      burst.timer = setTimeout(() => this.#end(kind), BURST_QUIET_MS - quiet);
      return;
    }
    this.#write(kind, burst);
  }

  #write(kind: PressureKind, burst: Burst): void {
    clearTimeout(burst.timer);
    this.#bursts.delete(kind);
    if (kind === "accept-error") {
      this.#log(`airlock: proxy accepting again after ${burst.count} failed accepts`);
    }
    this.#audit({
      time: new Date(burst.started).toISOString(),
      kind: "limit",
      method: "-",
      status: PRESSURE_STATUS[kind],
      bytesUp: 0,
      bytesDown: 0,
      durationMs: burst.last - burst.started,
      decision: kind,
      detail: burst.detail,
      count: burst.count,
    });
  }

  /** Ends every burst now (writes their records): call before closing the audit log. */
  flush(): void {
    for (const [kind, burst] of [...this.#bursts]) this.#write(kind, burst);
  }
}
