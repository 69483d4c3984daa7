/**
 * One phantom token's limits as the proxy enforces them: each request is admitted or
 * refused before it goes upstream (expiry, model, request budget, token budget, rate, in
 * that order: a permanent refusal wins over a rate one, so a client is not told to retry
 * what can never pass), and each response's LLM tokens are added when it ends.
 *
 * A token budget is checked before a request, against what earlier responses used: the
 * request that crosses it is answered in full (its size is unknown until it ends), and
 * requests running at the same time may each cross it. Request counts are taken when a
 * request is admitted, so concurrent requests never overrun `max_requests` or
 * `requests_per_minute`.
 *
 * @module
 */

import { expiryTime, modelAllowed, type TokenLimits } from "./config.ts";
import type { TokenUsage } from "./usage_meter.ts";

/** Why a request was refused. */
export interface LimitRefusal {
  /** 429 (rate) or 403 (budget, model, expiry). */
  status: 403 | 429;
  /** The limit's key as written in profiles (`max_requests`). */
  limit: string;
  /** One line for the audit log and the client (`max_requests 100 reached`). */
  detail: string;
  /** For 429: seconds until a request would be admitted. */
  retryAfter?: number;
}

/** What a token used so far. */
export interface GuardUsage {
  /** Requests admitted. */
  requests: number;
  /** Requests refused by a limit. */
  refused: number;
  /** LLM tokens counted from responses. */
  tokens: TokenUsage;
}

const MINUTE_MS = 60_000;

/** Enforces one token's limits; shared by the routes of one credential. */
export class TokenGuard {
  /** The limits. */
  readonly limits: Readonly<TokenLimits>;
  readonly #expiresAt: number | undefined;
  readonly #now: () => number;
  /** Admission times of the last `requestsPerMinute` requests, oldest first (a ring). */
  readonly #recent: number[] = [];
  #next = 0;
  #requests = 0;
  #refused = 0;
  #tokens: TokenUsage = { input: 0, output: 0, total: 0 };

  /**
   * Creates a guard.
   *
   * @param limits The token's limits.
   * @param options The session's start (for a relative `expires`) and a clock (tests).
   */
  constructor(
    limits: TokenLimits,
    options: { start?: number; now?: () => number } = {},
  ) {
    this.limits = limits;
    this.#now = options.now ?? Date.now;
    const start = options.start ?? this.#now();
    this.#expiresAt = limits.expires === undefined ? undefined : expiryTime(limits.expires, start);
  }

  /** Whether admitting a request needs the model it names (a `models` allowlist is set). */
  get needsModel(): boolean {
    return this.limits.models !== undefined;
  }

  /**
   * Admits a request (counting it) or says why not.
   *
   * @param model The model the request names, when known.
   * @returns null when admitted, else the refusal.
   * @example
   * ```ts
   * import { TokenGuard } from "./guard.ts";
   * const guard = new TokenGuard({ maxRequests: 1 });
   * console.assert(guard.admit() === null);
   * console.assert(guard.admit()?.status === 403);
   * ```
   */
  admit(model?: string): LimitRefusal | null {
    const refusal = this.#check(model);
    if (refusal) {
      this.#refused++;
      return refusal;
    }
    this.#requests++;
    const rpm = this.limits.requestsPerMinute;
    if (rpm !== undefined) {
      if (this.#recent.length < rpm) this.#recent.push(this.#now());
      else {
        this.#recent[this.#next] = this.#now();
        this.#next = (this.#next + 1) % rpm;
      }
    }
    return null;
  }

  /**
   * Counts a refusal decided outside the guard (a request whose model cannot be checked).
   *
   * @param refusal The refusal.
   * @returns The refusal.
   */
  refuse(refusal: LimitRefusal): LimitRefusal {
    this.#refused++;
    return refusal;
  }

  #check(model: string | undefined): LimitRefusal | null {
    const { limits } = this;
    const now = this.#now();
    if (this.#expiresAt !== undefined && now >= this.#expiresAt) {
      return {
        status: 403,
        limit: "expires",
        detail: `token expired at ${new Date(this.#expiresAt).toISOString()}`,
      };
    }
    if (limits.models !== undefined && model !== undefined && !modelAllowed(model, limits.models)) {
      return { status: 403, limit: "models", detail: "model not in the allowed models" };
    }
    if (limits.maxRequests !== undefined && this.#requests >= limits.maxRequests) {
      return {
        status: 403,
        limit: "max_requests",
        detail: `max_requests ${limits.maxRequests} reached`,
      };
    }
    if (limits.maxTokens !== undefined && this.#tokens.total >= limits.maxTokens) {
      return {
        status: 403,
        limit: "max_tokens",
        detail: `max_tokens ${limits.maxTokens} reached (${this.#tokens.total} used)`,
      };
    }
    const rpm = limits.requestsPerMinute;
    if (rpm !== undefined && this.#recent.length === rpm) {
      // The oldest of the last `rpm` admissions (the ring's next slot).
      const oldest = this.#recent[this.#next]!;
      const wait = oldest + MINUTE_MS - now;
      if (wait > 0) {
        return {
          status: 429,
          limit: "requests_per_minute",
          detail: `requests_per_minute ${rpm} reached`,
          retryAfter: Math.ceil(wait / 1000),
        };
      }
    }
    return null;
  }

  /**
   * Adds what a response used.
   *
   * @param usage The response's tokens.
   */
  count(usage: TokenUsage): void {
    this.#tokens = {
      input: this.#tokens.input + usage.input,
      output: this.#tokens.output + usage.output,
      total: this.#tokens.total + usage.total,
    };
  }

  /**
   * What the token used so far.
   *
   * @returns Requests admitted and refused, and tokens.
   */
  usage(): GuardUsage {
    return { requests: this.#requests, refused: this.#refused, tokens: { ...this.#tokens } };
  }
}
