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

/** Largest total request header size (bytes) the app forwards; larger gets 431. */
export const MAX_REQUEST_HEADER_BYTES = 32 * 1024;

/** Bytes read per chunk from a body (one reused buffer per stream). */
const CHUNK_BYTES = 16 * 1024;

type ChunkReader = {
  read(): Promise<Uint8Array | null>;
  cancel(reason?: unknown): Promise<void>;
};

/**
 * Reads a body into one reused buffer when the stream supports it (fetch bodies are byte
 * streams) and hands out exact-size copies: a default reader would allocate a 64 KiB
 * buffer per chunk that lingers until garbage collection, which across hundreds of SSE
 * streams costs hundreds of megabytes.
 */
function chunkReader(body: ReadableStream<Uint8Array>): ChunkReader {
  let byob: ReadableStreamBYOBReader | undefined;
  try {
    byob = body.getReader({ mode: "byob" });
  } catch {
    const reader = body.getReader();
    return {
      read: async () => {
        const { done, value } = await reader.read();
        return done ? null : value;
      },
      cancel: (reason) => reader.cancel(reason),
    };
  }
  const reader = byob;
  let buf: Uint8Array<ArrayBuffer> = new Uint8Array(CHUNK_BYTES);
  return {
    async read() {
      const { done, value } = await reader.read(buf);
      if (done || !value) return null;
      const copy = value.slice();
      buf = new Uint8Array(value.buffer);
      return copy;
    },
    cancel: (reason) => reader.cancel(reason),
  };
}

function countingStream(
  body: ReadableStream<Uint8Array>,
  onEnd: (bytes: number, outcome: "ok" | "error" | "cancel", err?: unknown) => void,
  onChunk?: (bytes: number) => void,
  breakClient?: () => void,
): ReadableStream<Uint8Array> {
  const reader = chunkReader(body);
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
        const value = await reader.read();
        if (value === null) {
          end("ok");
          controller.close();
          return;
        }
        bytes += value.byteLength;
        onChunk?.(bytes);
        controller.enqueue(value);
      } catch (err) {
        end("error", err);
        // Break the client connection ourselves (so a truncated body never looks
        // complete) without handing the error to the server, which would log it (and,
        // under node:http, write its message to the client).
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

/**
 * What the serving layer passes as hono's `env`: `@hono/node-server` gives the node
 * response (`outgoing`); the proxy's `Deno.serve` gives `completed` and `breakClient`.
 */
export interface ServerEnv {
  /** node:http response (node-server). */
  outgoing?: { destroy(): void };
  /** Settles when the response was delivered; rejects when the client went away. */
  completed?: Promise<void>;
  /** Drops the client connection (so a truncated body never looks complete). */
  breakClient?: () => void;
}

/**
 * A signal that aborts when the client goes away. Under Deno.serve `req.signal` also
 * aborts after every successful response (and warns about it), so `completed` is used.
 */
function clientSignal(req: Request, env: ServerEnv | undefined): AbortSignal {
  if (!env?.completed) return req.signal;
  const gone = new AbortController();
  env.completed.catch(() => gone.abort());
  return gone.signal;
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
    let headerBytes = 0;
    for (const [k, v] of req.headers) headerBytes += k.length + v.length + 4;
    if (headerBytes > MAX_REQUEST_HEADER_BYTES) {
      record({ status: 431, decision: "bad-request", detail: "headers too large" });
      return errorResponse(spec.errorShape, "headers-too-large");
    }
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

    const env = c.env as ServerEnv | undefined;
    const clientGone = clientSignal(req, env);
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
        signal: AbortSignal.any([clientGone, timeout.signal]),
        ...(body ? { duplex: "half" } : {}),
      } as RequestInit);
    } catch (err) {
      clearTimeout(timer);
      if (timeout.signal.aborted) {
        record({ host, status: 504, bytesUp, decision: "upstream-timeout" });
        return errorResponse(spec.errorShape, "gateway-timeout");
      }
      if (clientGone.aborted) {
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
    const outgoing = env?.outgoing;
    const breakClient = env?.breakClient ?? (outgoing ? () => outgoing.destroy() : undefined);
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
