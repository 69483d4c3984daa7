/**
 * The proxy's per-session limits, each configurable (`startSessionProxy` options,
 * `airlock proxy` flags), and what a client gets past each: 503 over the connection
 * limit, 408 when a request head is late, 431 for a head too large, 413 for a body too
 * large.
 *
 * @module
 */

/** Per-session limits. */
export interface ProxyLimits {
  /**
   * Open client connections at once; more get 503 and are closed.
   * @default 512
   */
  maxConnections: number;
  /**
   * Milliseconds for the first request head of a connection to arrive; later get 408.
   * @default 10000
   */
  headTimeoutMs: number;
  /**
   * Largest request head in bytes; larger gets 431.
   * @default 32768
   */
  maxHeaderBytes: number;
  /**
   * Largest request body in bytes (base-URL routes and plain HTTP); larger gets 413.
   * @default 104857600 (100 MiB)
   */
  maxBodyBytes: number;
  /**
   * Milliseconds a connection may pass no byte either way before it is closed.
   * @default 600000
   */
  idleTimeoutMs: number;
}

/** The defaults. */
export const DEFAULT_LIMITS: Readonly<ProxyLimits> = {
  maxConnections: 512,
  headTimeoutMs: 10_000,
  maxHeaderBytes: 32 * 1024,
  maxBodyBytes: 100 * 1024 * 1024,
  idleTimeoutMs: 600_000,
};

/**
 * Fills in the defaults and checks each given limit is a positive integer.
 *
 * @param given Some limits.
 * @returns All limits.
 * @throws {RangeError} When a limit is not a positive integer.
 * @example
 * ```ts
 * import { resolveLimits } from "./limits.ts";
 * console.assert(resolveLimits({ maxConnections: 8 }).maxConnections === 8);
 * console.assert(resolveLimits({}).headTimeoutMs === 10000);
 * ```
 */
export function resolveLimits(given: Partial<ProxyLimits> = {}): ProxyLimits {
  const out = { ...DEFAULT_LIMITS };
  for (const [k, v] of Object.entries(given)) {
    if (v === undefined) continue;
    if (!(k in DEFAULT_LIMITS)) throw new RangeError(`Cannot use limit "${k}": unknown limit`);
    if (!Number.isSafeInteger(v) || v <= 0) {
      throw new RangeError(
        `Cannot use limit ${k}: must be a positive integer: current value is ${v}`,
      );
    }
    out[k as keyof ProxyLimits] = v;
  }
  return out;
}
