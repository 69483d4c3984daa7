/**
 * Error bodies in each provider's JSON shape, so an SDK surfaces the proxy's refusal
 * the way it surfaces the provider's own errors. Messages are short and generic: the
 * detail goes to the audit log, never to the client.
 *
 * @module
 */

/** The providers whose error JSON shape the proxy can speak. */
export type ErrorShape = "openai" | "anthropic" | "gemini" | "generic";

/** The kinds of error the proxy answers with. */
export type ProxyErrorKind =
  | "unauthorized"
  | "not-found"
  | "bad-gateway"
  | "gateway-timeout"
  | "forbidden"
  | "headers-too-large"
  | "bad-request"
  | "payload-too-large"
  | "rate-limited"
  | "internal";

const STATUS: Record<ProxyErrorKind, number> = {
  "unauthorized": 401,
  "not-found": 404,
  "bad-gateway": 502,
  "gateway-timeout": 504,
  "forbidden": 403,
  "headers-too-large": 431,
  "bad-request": 400,
  "payload-too-large": 413,
  "rate-limited": 429,
  "internal": 500,
};

const MESSAGE: Record<ProxyErrorKind, string> = {
  "unauthorized": "airlock: invalid or missing session token for this route",
  "not-found": "airlock: no such proxy route",
  "bad-gateway": "airlock: the upstream could not be reached (see the airlock audit log)",
  "gateway-timeout": "airlock: the upstream did not answer in time",
  "forbidden": "airlock: request refused by policy",
  "headers-too-large": "airlock: request headers too large",
  "bad-request": "airlock: malformed request",
  "payload-too-large": "airlock: request body too large",
  "rate-limited": "airlock: request rate limit reached",
  "internal": "airlock: internal proxy error",
};

const ANTHROPIC_TYPE: Record<ProxyErrorKind, string> = {
  "unauthorized": "authentication_error",
  "not-found": "not_found_error",
  "bad-gateway": "api_error",
  "gateway-timeout": "api_error",
  "forbidden": "permission_error",
  "headers-too-large": "invalid_request_error",
  "bad-request": "invalid_request_error",
  "payload-too-large": "invalid_request_error",
  "rate-limited": "rate_limit_error",
  "internal": "api_error",
};

const GEMINI_STATUS: Record<ProxyErrorKind, string> = {
  "unauthorized": "UNAUTHENTICATED",
  "not-found": "NOT_FOUND",
  "bad-gateway": "UNAVAILABLE",
  "gateway-timeout": "DEADLINE_EXCEEDED",
  "forbidden": "PERMISSION_DENIED",
  "headers-too-large": "INVALID_ARGUMENT",
  "bad-request": "INVALID_ARGUMENT",
  "payload-too-large": "INVALID_ARGUMENT",
  "rate-limited": "RESOURCE_EXHAUSTED",
  "internal": "INTERNAL",
};

/**
 * Builds the JSON body for an error in a provider's shape.
 *
 * @param shape The provider shape.
 * @param kind The error kind.
 * @param reason A cause from a fixed vocabulary, replacing the kind's generic message.
 * @returns The body object.
 * @example
 * ```ts
 * import { errorBody } from "./error_shapes.ts";
 * const body = errorBody("anthropic", "unauthorized") as { type: string };
 * console.assert(body.type === "error");
 * ```
 */
export function errorBody(shape: ErrorShape, kind: ProxyErrorKind, reason?: string): unknown {
  const message = reason === undefined ? MESSAGE[kind] : `airlock: ${reason}`;
  switch (shape) {
    case "openai":
      return {
        error: {
          message,
          type: kind === "unauthorized"
            ? "invalid_request_error"
            : kind === "rate-limited"
            ? "requests"
            : "api_error",
          param: null,
          code: kind === "unauthorized"
            ? "invalid_api_key"
            : kind === "rate-limited"
            ? "rate_limit_exceeded"
            : kind.replaceAll("-", "_"),
        },
      };
    case "anthropic":
      return { type: "error", error: { type: ANTHROPIC_TYPE[kind], message } };
    case "gemini":
      return { error: { code: STATUS[kind], message, status: GEMINI_STATUS[kind] } };
    default:
      return { error: { message, code: kind } };
  }
}

/**
 * Builds an error response in a provider's shape.
 *
 * @param shape The provider shape.
 * @param kind The error kind (sets the status).
 * @param reason A cause from a fixed vocabulary (see {@linkcode errorBody}).
 * @returns A JSON response.
 * @example
 * ```ts
 * import { errorResponse } from "./error_shapes.ts";
 * console.assert(errorResponse("openai", "unauthorized").status === 401);
 * ```
 */
export function errorResponse(
  shape: ErrorShape,
  kind: ProxyErrorKind,
  reason?: string,
): Response {
  return new Response(JSON.stringify(errorBody(shape, kind, reason)), {
    status: STATUS[kind],
    headers: { "content-type": "application/json" },
  });
}
