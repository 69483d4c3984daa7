/**
 * Per-token limits: what a profile's `limits.NAME` object and a `--limit NAME:KEY=VALUE`
 * flag may say, and their parsing. One parser serves both (a flag's value is text, a
 * profile's is JSON), so a limit means the same wherever it was written.
 *
 * | key | value | over it |
 * |---|---|---|
 * | `max_requests` | requests in the session | 403 |
 * | `requests_per_minute` | requests in any 60 s | 429 with `retry-after` |
 * | `max_tokens` | LLM tokens (input + output) counted from responses | 403 |
 * | `models` | model names or `*` globs | 403 for any other model |
 * | `expires` | a duration from the session's start (`90m`, `2h`, `7d`) or an ISO 8601 time | 403 |
 *
 * @module
 */

/** The limits of one credential's phantom token (each absent when not set). */
export interface TokenLimits {
  /** Most requests the token may make in the session. */
  maxRequests?: number;
  /** Most requests in any 60 seconds. */
  requestsPerMinute?: number;
  /** Most LLM tokens (input plus output) the token's responses may use. */
  maxTokens?: number;
  /** Models a request may name (exact names, or globs with `*`). */
  models?: string[];
  /** When the token stops working: a duration from the session's start, or an ISO 8601 time. */
  expires?: string;
}

/** The keys of a `limits.NAME` object, as written in profiles and flags. */
export const LIMIT_KEYS = [
  "max_requests",
  "requests_per_minute",
  "max_tokens",
  "models",
  "expires",
] as const;

/** One key of {@linkcode LIMIT_KEYS}. */
export type LimitKey = typeof LIMIT_KEYS[number];

/** The field of {@linkcode TokenLimits} each key sets. */
const FIELD: Record<LimitKey, keyof TokenLimits> = {
  max_requests: "maxRequests",
  requests_per_minute: "requestsPerMinute",
  max_tokens: "maxTokens",
  models: "models",
  expires: "expires",
};

const DURATION_UNITS: Record<string, number> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * Parses a duration: a positive integer and a unit (`s`, `m`, `h`, `d`).
 *
 * @param text The duration as written.
 * @returns Milliseconds, or null when it is not a duration.
 * @example
 * ```ts
 * import { parseDuration } from "./config.ts";
 * console.assert(parseDuration("90m") === 5_400_000);
 * console.assert(parseDuration("soon") === null);
 * ```
 */
export function parseDuration(text: string): number | null {
  const m = /^([1-9][0-9]{0,8})([smhd])$/.exec(text.trim());
  return m ? Number(m[1]) * DURATION_UNITS[m[2]!]! : null;
}

/** An ISO 8601 date-time with a zone (`2026-12-31T18:00:00Z`), as milliseconds, or null. */
function parseTime(text: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    return null;
  }
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * The instant an `expires` value names.
 *
 * @param expires The value as written (already validated).
 * @param start When the session started (ms since the epoch).
 * @returns Milliseconds since the epoch.
 * @example
 * ```ts
 * import { expiryTime } from "./config.ts";
 * console.assert(expiryTime("1h", 0) === 3_600_000);
 * console.assert(expiryTime("1970-01-01T00:00:01Z", 0) === 1000);
 * ```
 */
export function expiryTime(expires: string, start: number): number {
  const d = parseDuration(expires);
  return d !== null ? start + d : parseTime(expires) ?? start;
}

/** A positive safe integer from a number or its decimal text, or null. */
function count(value: unknown): number | null {
  const n = typeof value === "string" && /^[0-9]{1,15}$/.test(value.trim()) ? Number(value) : value;
  return typeof n === "number" && Number.isSafeInteger(n) && n >= 1 ? n : null;
}

/** The problem with a model pattern, or null. */
function modelProblem(s: unknown): string | null {
  return typeof s === "string" && /^[A-Za-z0-9*][A-Za-z0-9._:/@*-]{0,127}$/.test(s)
    ? null
    : "must be model names or * globs (letters, digits, . _ : / @ - *)";
}

/** The result of parsing one limit. */
export type LimitParse =
  | { ok: true; field: keyof TokenLimits; value: number | string | string[] }
  | { ok: false; problem: string };

/**
 * Parses one limit's value, from a profile (JSON) or a flag (text; `models` comma-separated).
 *
 * @param key The key as written.
 * @param value The value.
 * @returns The field and value, or what is wrong (a phrase that follows the key).
 * @example
 * ```ts
 * import { parseLimit } from "./config.ts";
 * const r = parseLimit("max_requests", "100");
 * console.assert(r.ok && r.value === 100);
 * console.assert(!parseLimit("max_request", 1).ok);
 * ```
 */
export function parseLimit(key: string, value: unknown): LimitParse {
  if (!(LIMIT_KEYS as readonly string[]).includes(key)) {
    return { ok: false, problem: `is not a limit: known limits are ${LIMIT_KEYS.join(", ")}` };
  }
  const field = FIELD[key as LimitKey];
  switch (key as LimitKey) {
    case "models": {
      const list = typeof value === "string" ? value.split(",").map((s) => s.trim()) : value;
      if (!Array.isArray(list) || list.length === 0) {
        return { ok: false, problem: "must be a non-empty list of model names" };
      }
      for (const m of list) {
        const problem = modelProblem(m);
        if (problem) return { ok: false, problem };
      }
      return { ok: true, field, value: [...new Set(list as string[])] };
    }
    case "expires": {
      if (
        typeof value !== "string" || (parseDuration(value) === null && parseTime(value) === null)
      ) {
        return {
          ok: false,
          problem: "must be a duration (30s, 90m, 2h, 7d) or an ISO 8601 time with a zone",
        };
      }
      return { ok: true, field, value: value.trim() };
    }
    default: {
      const n = count(value);
      return n === null ? { ok: false, problem: "must be a positive integer" } : {
        ok: true,
        field,
        value: n,
      };
    }
  }
}

/**
 * Parses a `--limit NAME:KEY=VALUE` flag.
 *
 * @param flag The flag's value.
 * @returns The credential name and the parsed limit, or what is wrong with the whole flag.
 * @example
 * ```ts
 * import { parseLimitFlag } from "./config.ts";
 * const r = parseLimitFlag("openai:models=gpt-4o-mini,gpt-4.1*");
 * console.assert("name" in r && r.name === "openai");
 * ```
 */
export function parseLimitFlag(
  flag: string,
): { name: string; field: keyof TokenLimits; value: number | string | string[] } | {
  problem: string;
} {
  const m = /^([A-Za-z0-9][A-Za-z0-9_.-]*):([a-z_]+)=(.*)$/s.exec(flag);
  if (!m) return { problem: "must be NAME:KEY=VALUE (e.g. openai:max_requests=100)" };
  const parsed = parseLimit(m[2]!, m[3]!);
  if (!parsed.ok) return { problem: `${m[2]} ${parsed.problem}` };
  return { name: m[1]!, field: parsed.field, value: parsed.value };
}

/**
 * Whether a model name matches one of the patterns (`*` matches any run of characters;
 * anchored at both ends; case-sensitive, as providers name models).
 *
 * @param model The model a request names.
 * @param patterns The allowlist.
 * @returns Whether it is allowed.
 * @example
 * ```ts
 * import { modelAllowed } from "./config.ts";
 * console.assert(modelAllowed("gpt-4o-mini", ["gpt-4o*"]));
 * console.assert(!modelAllowed("gpt-4o-mini", ["gpt-4o"]));
 * ```
 */
export function modelAllowed(model: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => {
    if (!p.includes("*")) return p === model;
    const parts = p.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
    return new RegExp(`^${parts.join(".*")}$`, "s").test(model);
  });
}

/**
 * Describes limits on one line (`max_requests=100, models=gpt-4o*`), for `--dry-run`.
 *
 * @param limits The limits.
 * @returns The description, or `none`.
 */
export function describeLimits(limits: TokenLimits): string {
  const parts: string[] = [];
  for (const key of LIMIT_KEYS) {
    const v = limits[FIELD[key]];
    if (v !== undefined) parts.push(`${key}=${Array.isArray(v) ? v.join(",") : v}`);
  }
  return parts.join(", ") || "none";
}
