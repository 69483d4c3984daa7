/**
 * Shape validation of a profile's custom proxy route (`routes.NAME`). Only the shape is
 * checked here; the proxy decides how to serve it.
 *
 * @module
 */

import type { ProfileProblem } from "./problem.ts";
import type { RouteConfig, RouteTimeouts } from "./types.ts";
import { ENV_NAME } from "./syntax.ts";

const HEADER = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
/** A Basic user: printable ASCII without the colon that ends it. */
const BASIC_USER = /^[ -9;-~]*$/;

/**
 * Validates `{ "header": "...", "format": "Bearer {}" }`, `{ "query": "key" }` or
 * `{ "basic": "password", "user": "..." }`.
 */
function placement(p: ProfileProblem, key: string, value: unknown): RouteConfig["token"] {
  const obj = p.object(key, value, ["header", "format", "query", "basic", "user"]);
  if (obj.basic !== undefined) {
    if (obj.header !== undefined || obj.format !== undefined || obj.query !== undefined) {
      throw p.at(key, 'must have one of "header", "query" or "basic"', value);
    }
    if (obj.basic !== "password") {
      throw p.at(`${key}.basic`, 'must be "password" (the token is the Basic password)', obj.basic);
    }
    if (obj.user === undefined) return { basic: "password" };
    if (typeof obj.user !== "string" || !BASIC_USER.test(obj.user)) {
      throw p.at(`${key}.user`, "must be a string without a colon or control characters", obj.user);
    }
    return { basic: "password", user: obj.user };
  }
  if (obj.user !== undefined) throw p.at(`${key}.user`, 'is only allowed with "basic"', obj.user);
  if (obj.query !== undefined) {
    if (obj.header !== undefined || obj.format !== undefined) {
      throw p.at(key, 'must have either "header" (with optional "format") or "query"', value);
    }
    if (typeof obj.query !== "string" || obj.query === "") {
      throw p.at(`${key}.query`, "must be a non-empty string", obj.query);
    }
    return { query: obj.query };
  }
  if (typeof obj.header !== "string" || !HEADER.test(obj.header)) {
    throw p.at(`${key}.header`, "must be an HTTP header name", obj.header);
  }
  if (obj.format === undefined) return { header: obj.header.toLowerCase() };
  if (typeof obj.format !== "string" || !obj.format.includes("{}")) {
    throw p.at(`${key}.format`, 'must be a string containing "{}"', obj.format);
  }
  return { header: obj.header.toLowerCase(), format: obj.format };
}

const TIMEOUT_KEYS = {
  connect_ms: "connectMs",
  headers_ms: "headersMs",
  idle_ms: "idleMs",
  total_ms: "totalMs",
} as const;

/** Validates `{ "connect_ms": 10000, "headers_ms": …, "idle_ms": …, "total_ms": … }`. */
function timeouts(p: ProfileProblem, key: string, value: unknown): RouteTimeouts {
  const obj = p.object(key, value, Object.keys(TIMEOUT_KEYS));
  const out: RouteTimeouts = {};
  for (const [k, field] of Object.entries(TIMEOUT_KEYS)) {
    const v = obj[k];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v <= 0) {
      throw p.at(`${key}.${k}`, "must be a positive whole number of milliseconds", v);
    }
    out[field] = v;
  }
  return out;
}

/**
 * Validates one `routes.NAME` object.
 *
 * @param p The profile's error builder.
 * @param key The key path (`routes.internal`).
 * @param value The raw value.
 * @returns The route.
 * @throws {ProfileError} Naming the bad key and value.
 * @example
 * ```ts
 * import { ProfileProblem } from "./problem.ts";
 * import { validateRoute } from "./validate_route.ts";
 * const route = validateRoute(new ProfileProblem("dev"), "routes.x", {
 *   upstream: "https://api.example.com/v1",
 *   token: { header: "Authorization", format: "Bearer {}" },
 *   inject: { header: "authorization", format: "Bearer {}" },
 *   env: { EXAMPLE_BASE_URL: "{base_url}", EXAMPLE_API_KEY: "{token}" },
 * });
 * console.assert(route.token && "header" in route.token && route.token.header === "authorization");
 * ```
 */
export function validateRoute(p: ProfileProblem, key: string, value: unknown): RouteConfig {
  const obj = p.object(key, value, [
    "upstream",
    "token",
    "inject",
    "env",
    "token_prefix",
    "timeouts",
  ]);
  let url: URL | null = null;
  try {
    url = typeof obj.upstream === "string" ? new URL(obj.upstream) : null;
  } catch {
    url = null;
  }
  if (url === null || url.protocol !== "https:" || url.username || url.password || url.search) {
    throw p.at(
      `${key}.upstream`,
      "must be an https:// URL without credentials or query",
      obj.upstream,
    );
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.object(`${key}.env`, obj.env ?? {}, null))) {
    if (!ENV_NAME.test(k)) throw p.at(`${key}.env`, `has an invalid variable name "${k}"`, k);
    if (typeof v !== "string") throw p.at(`${key}.env.${k}`, "must be a string", v);
    env[k] = v;
  }
  if (obj.token_prefix !== undefined && typeof obj.token_prefix !== "string") {
    throw p.at(`${key}.token_prefix`, "must be a string", obj.token_prefix);
  }
  return {
    upstream: obj.upstream as string,
    token: placement(
      p,
      `${key}.token`,
      obj.token ?? { header: "authorization", format: "Bearer {}" },
    ),
    inject: placement(p, `${key}.inject`, obj.inject),
    env,
    ...(obj.token_prefix === undefined ? {} : { tokenPrefix: obj.token_prefix }),
    ...(obj.timeouts === undefined
      ? {}
      : { timeouts: timeouts(p, `${key}.timeouts`, obj.timeouts) }),
  };
}
