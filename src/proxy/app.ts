/**
 * The reverse-proxy hono app: `/<route>/…` checks the route's phantom token in constant
 * time, strips it with the hop-by-hop headers, injects the real credential and streams
 * the request and the response through, unbuffered. It is built from its dependencies
 * only (routes with tokens and credential bytes, an upstream fetch, an audit sink), so
 * tests drive it with `app.request()`.
 *
 * @module
 */

import { Hono } from "hono";
import type { AuditRecord } from "../audit/session_log.ts";
import { errorResponse } from "./error_shapes.ts";
import { auditPath, forwardableHeaders } from "./headers.ts";
import type { RouteSpec } from "./routes.ts";
import { tokensEqual } from "./tokens.ts";

/** A route as one session serves it. */
export interface ActiveRoute {
  /** The route. */
  spec: RouteSpec;
  /** This session's phantom token for it. */
  token: string;
  /** The real credential, as bytes. */
  secret: Uint8Array;
}

/** Fetches from the upstream. */
export type UpstreamFetch = (url: URL, init: RequestInit) => Promise<Response>;

/** What the app needs. */
export interface ProxyAppDeps {
  /** Active routes by name. */
  routes: ReadonlyMap<string, ActiveRoute>;
  /** The upstream fetch (pinned and checked in production; a stub in tests). */
  upstreamFetch: UpstreamFetch;
  /** Receives one record per request. */
  audit: (record: AuditRecord) => void;
  /** Explains a failed upstream fetch for the audit log (e.g. the dialer's refusal). */
  explainFailure?: (url: URL, err: unknown) => { decision: string; detail: string } | undefined;
  /**
   * Milliseconds to wait for the upstream's response headers.
   * @default 600000
   */
  headersTimeoutMs?: number;
}

const decoder = new TextDecoder();

function countingStream(
  body: ReadableStream<Uint8Array>,
  onEnd: (bytes: number, outcome: "ok" | "error" | "cancel", err?: unknown) => void,
  onChunk?: (bytes: number) => void,
  breakClient?: () => void,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let bytes = 0;
  let ended = false;
  const end = (outcome: "ok" | "error" | "cancel", err?: unknown) => {
    if (ended) return;
    ended = true;
    onEnd(bytes, outcome, err);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          end("ok");
          controller.close();
          return;
        }
        bytes += value.byteLength;
        onChunk?.(bytes);
        controller.enqueue(value);
      } catch (err) {
        end("error", err);
        // Served through node:http: break the client connection ourselves (so a truncated
        // body never looks complete) without handing the error to the adapter, which
        // would log it and write its message to the client.
        if (breakClient) breakClient();
        else controller.error(err);
      }
    },
    cancel(reason) {
      end("cancel");
      return reader.cancel(reason).catch(() => {});
    },
  }, { highWaterMark: 0 });
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : "Error";
}

/**
 * Builds the reverse-proxy app.
 *
 * @param deps Routes, upstream fetch and audit sink.
 * @returns The hono app.
 * @example Refusing a request without a token
 * ```ts
 * import { buildProxyApp } from "./app.ts";
 * import { BUILTIN_ROUTES } from "./routes.ts";
 * const spec = BUILTIN_ROUTES.openai!;
 * const app = buildProxyApp({
 *   routes: new Map([["openai", { spec, token: "sk-proj-t", secret: new Uint8Array([65]) }]]),
 *   upstreamFetch: () => Promise.resolve(new Response("ok")),
 *   audit: () => {},
 * });
 * const res = await app.request("/openai/v1/models");
 * console.assert(res.status === 401);
 * ```
 */
export function buildProxyApp(deps: ProxyAppDeps): Hono {
  const app = new Hono();
  const headersTimeoutMs = deps.headersTimeoutMs ?? 600_000;
  const allRoutes = [...deps.routes.values()];

  app.all("/:route/*", async (c) => {
    const started = Date.now();
    const req = c.req.raw;
    const url = new URL(req.url);
    const name = c.req.param("route");
    const route = deps.routes.get(name);
    const path = auditPath(url);
    const base = {
      time: new Date(started).toISOString(),
      kind: "route" as const,
      route: name,
      method: req.method,
      path,
    };
    const record = (fields: Partial<AuditRecord> & { status: number; decision: string }) =>
      deps.audit({
        ...base,
        bytesUp: 0,
        bytesDown: 0,
        durationMs: Date.now() - started,
        ...fields,
      });
    if (!route) {
      record({ status: 404, decision: "unknown-route" });
      return errorResponse("generic", "not-found");
    }
    const { spec } = route;
    const presented = spec.injector.readToken(req.headers, url);
    if (!tokensEqual(presented, route.token)) {
      const other = presented === null
        ? undefined
        : allRoutes.find((r) => r !== route && tokensEqual(presented, r.token));
      const detail = presented === null
        ? "no token"
        : other
        ? `token of route ${other.spec.name}`
        : "wrong token";
      record({ status: 401, decision: "denied-token", detail });
      return errorResponse(spec.errorShape, "unauthorized");
    }

    const rest = url.pathname.slice(name.length + 1);
    const target = new URL(spec.upstream.href);
    target.pathname = spec.upstream.pathname.replace(/\/$/, "") + rest;
    target.search = url.search;
    const headers = forwardableHeaders(req.headers, ["host", "accept-encoding", "content-length"]);
    spec.injector.strip(headers, target);
    spec.injector.inject(headers, target, decoder.decode(route.secret));
    const host = target.host;

    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), headersTimeoutMs);
    let bytesUp = 0;
    let body: ReadableStream<Uint8Array> | null = null;
    if (req.body && req.method !== "GET" && req.method !== "HEAD") {
      body = countingStream(req.body, () => {}, (n) => bytesUp = n);
    }
    let upstream: Response;
    try {
      upstream = await deps.upstreamFetch(target, {
        method: req.method,
        headers,
        body,
        redirect: "manual",
        signal: AbortSignal.any([req.signal, timeout.signal]),
        ...(body ? { duplex: "half" } : {}),
      } as RequestInit);
    } catch (err) {
      clearTimeout(timer);
      if (timeout.signal.aborted) {
        record({ host, status: 504, bytesUp, decision: "upstream-timeout" });
        return errorResponse(spec.errorShape, "gateway-timeout");
      }
      if (req.signal.aborted) {
        record({ host, status: 0, bytesUp, decision: "client-aborted" });
        return errorResponse(spec.errorShape, "bad-gateway");
      }
      const why = deps.explainFailure?.(target, err) ??
        { decision: "upstream-error", detail: errorName(err) };
      record({ host, status: 502, bytesUp, ...why });
      return errorResponse(spec.errorShape, "bad-gateway");
    }
    clearTimeout(timer);

    const outHeaders = forwardableHeaders(upstream.headers);
    if (outHeaders.has("content-encoding")) {
      // Deno's fetch negotiated and decoded the encoding: the body is identity now.
      outHeaders.delete("content-encoding");
      outHeaders.delete("content-length");
    }
    const status = upstream.status;
    if (!upstream.body) {
      record({ host, status, bytesUp, decision: "allowed" });
      return new Response(null, { status, headers: outHeaders });
    }
    const outgoing = (c.env as { outgoing?: { destroy(): void } } | undefined)?.outgoing;
    const breakClient = outgoing ? () => outgoing.destroy() : undefined;
    const relayed = countingStream(
      upstream.body,
      (bytesDown, outcome, err) => {
        const decision = outcome === "ok"
          ? "allowed"
          : outcome === "cancel"
          ? "client-aborted"
          : "upstream-error";
        record({
          host,
          status,
          bytesUp: bytesUp,
          bytesDown,
          decision,
          ...(outcome === "error" ? { detail: `stream broke: ${errorName(err)}` } : {}),
        });
      },
      undefined,
      breakClient,
    );
    return new Response(relayed, { status, statusText: upstream.statusText, headers: outHeaders });
  });

  app.all("*", (c) => {
    const url = new URL(c.req.url);
    deps.audit({
      time: new Date().toISOString(),
      kind: "route",
      method: c.req.method,
      path: auditPath(url),
      status: 404,
      bytesUp: 0,
      bytesDown: 0,
      durationMs: 0,
      decision: "unknown-route",
    });
    return errorResponse("generic", "not-found");
  });
  app.onError(() => errorResponse("generic", "internal"));
  return app;
}
