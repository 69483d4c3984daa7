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
import { connectionNamed, isHopByHop, responseHeaders } from "./headers.ts";
import { type RouteTarget, routeTarget } from "./route_target.ts";
import { TargetError } from "./request_target.ts";
import { classifyUpstreamError } from "./upstream_errors.ts";
import { Watchdog } from "./watchdog.ts";
import type { RouteSpec } from "./routes.ts";
import { tokensEqual } from "./tokens.ts";
import { DEFAULT_LIMITS } from "./limits.ts";
import type { PressureLog } from "./pressure.ts";
import { type SecretForms, secretForms } from "./scrub/secret_forms.ts";
import { scrubText, StreamScrubber } from "./scrub/scrubber.ts";
import { decodeBody, decodePlan } from "./scrub/content_decoding.ts";
import type { LimitRefusal, TokenGuard } from "./token_limits/guard.ts";
import { type TokenUsage, type UsageDialect, UsageMeter } from "./token_limits/usage_meter.ts";
import { bodyModel, formModels, MAX_MODEL_CHARS, pathModel } from "./token_limits/request_model.ts";
import { modelAllowed } from "./token_limits/config.ts";

/** The error a request body stream fails with past the body limit. */
class BodyTooLarge extends Error {}

/** A route as one session serves it. */
export interface ActiveRoute {
  /** The route. */
  spec: RouteSpec;
  /** This session's phantom token for it. */
  token: string;
  /** The real credential, as bytes. */
  secret: Uint8Array;
  /** The token's limits (shared by the routes of one credential), when it has any. */
  guard?: TokenGuard;
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
   * Milliseconds to wait for the upstream's response headers (a route's
   * `timeouts.headersMs` wins).
   * @default 600000
   */
  headersTimeoutMs?: number;
  /**
   * Milliseconds between two chunks of an upstream body (a route's `timeouts.idleMs` wins).
   * @default 300000
   */
  bodyIdleTimeoutMs?: number;
  /**
   * Milliseconds for a whole exchange, body included (a route's `timeouts.totalMs` wins).
   * @default 7200000
   */
  totalTimeoutMs?: number;
  /**
   * Largest request body in bytes; larger gets 413.
   * @default DEFAULT_LIMITS.maxBodyBytes
   */
  maxBodyBytes?: number;
  /**
   * Largest request head in bytes on later requests of a connection; larger gets 431.
   * @default MAX_REQUEST_HEADER_BYTES
   */
  maxHeaderBytes?: number;
  /** Counts refusals under pressure (431 and 413 bursts); without it each is one record. */
  pressure?: PressureLog;
}

const decoder = new TextDecoder();

/** Largest total request header size (bytes) the app forwards by default; larger gets 431. */
export const MAX_REQUEST_HEADER_BYTES = 32 * 1024;

/** Bytes read per chunk from a body at first (one reused buffer per stream). */
const SMALL_CHUNK_BYTES = 2 * 1024;

/** Bytes read per chunk once a read has filled the small buffer. */
const LARGE_CHUNK_BYTES = 16 * 1024;

type ChunkReader = {
  read(): Promise<Uint8Array | null>;
  cancel(reason?: unknown): Promise<void>;
};

/**
 * Reads a body into one reused buffer when the stream supports it (fetch bodies are byte
 * streams) and hands out exact-size copies: a default reader would allocate a 64 KiB
 * buffer per chunk that lingers until garbage collection, which across hundreds of SSE
 * streams costs hundreds of megabytes. The buffer starts at 2 KiB (SSE events are small)
 * and grows to 16 KiB the first time a read fills it.
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
  let buf: Uint8Array<ArrayBuffer> = new Uint8Array(SMALL_CHUNK_BYTES);
  return {
    async read() {
      const { done, value } = await reader.read(buf);
      if (done || !value) return null;
      const copy = value.slice();
      buf = value.byteLength === buf.length && buf.length < LARGE_CHUNK_BYTES
        ? new Uint8Array(LARGE_CHUNK_BYTES)
        : new Uint8Array(value.buffer);
      return copy;
    },
    cancel: (reason) => reader.cancel(reason),
  };
}

/**
 * A promise that rejects when `signal` aborts (never settles without one). Aborting a
 * fetch does not always error a body that is being read (seen with Deno 2.9.6 when other
 * streams to the same upstream were stalled: the cut stream kept flowing), so the proxy's
 * own reads race the signal instead of trusting the fetch to end them.
 */
function abortion(signal: AbortSignal | undefined): Promise<never> | undefined {
  if (!signal) return undefined;
  const p = new Promise<never>((_, fail) => {
    const reject = () => fail(signal.reason ?? new DOMException("aborted", "AbortError"));
    if (signal.aborted) reject();
    else signal.addEventListener("abort", reject, { once: true });
  });
  p.catch(() => {});
  return p;
}

function countingStream(
  body: ReadableStream<Uint8Array>,
  onEnd: (bytes: number, outcome: "ok" | "error" | "cancel", err?: unknown) => void,
  onChunk?: (bytes: number) => void,
  breakClient?: () => void,
  signal?: AbortSignal,
  scrubber?: StreamScrubber,
  meter?: UsageMeter,
): ReadableStream<Uint8Array> {
  const reader = chunkReader(body);
  const aborted = abortion(signal);
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
        for (;;) {
          const value = aborted
            ? await Promise.race([reader.read(), aborted])
            : await reader.read();
          if (signal?.aborted) throw signal.reason;
          if (value === null) {
            const rest = scrubber?.flush();
            if (rest && rest.length > 0) controller.enqueue(rest);
            end("ok");
            controller.close();
            return;
          }
          bytes += value.byteLength;
          onChunk?.(bytes);
          meter?.push(value);
          const out = scrubber ? scrubber.push(value) : value;
          // A scrubber may hold the whole chunk back (it could start a form): read on.
          if (out.length === 0) continue;
          controller.enqueue(out);
          return;
        }
      } catch (err) {
        if (aborted) reader.cancel(err).catch(() => {});
        end("error", err);
        // Break the client connection (so a truncated body never looks complete) without
        // the upstream's error: under node:http, destroy the response (the server would
        // write an error's message to the client); under Deno.serve, error the stream with
        // `Interrupted`, which it ends the connection on without logging (a plain Error
        // is printed to stderr).
        if (breakClient) breakClient();
        else controller.error(new Deno.errors.Interrupted("upstream body broke"));
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
 * response (`outgoing`); the proxy's `Deno.serve` gives `completed`.
 */
export interface ServerEnv {
  /** node:http request (node-server): its `url` is the target as sent. */
  incoming?: { url?: string };
  /** node:http response (node-server). */
  outgoing?: { destroy(): void };
  /** Settles when the response was delivered; rejects when the client went away. */
  completed?: Promise<void>;
  /** Set by TLS interception (`src/intercept/`): recorded in each audit record. */
  via?: "intercept";
}

/**
 * Largest body (bytes) the proxy reads whole instead of relaying chunk by chunk: only a
 * body whose size is declared up front by `Content-Length` (not chunked, not compressed)
 * and at most this large. Such a body is complete when its sender starts sending it, so
 * reading it whole delays nothing, and it passes through Deno's native I/O in one piece
 * instead of through a JavaScript stream (about half the proxy's CPU per small request).
 */
export const MAX_WHOLE_BODY_BYTES = 64 * 1024;

/** The declared length of a body that may be read whole, or -1. */
function wholeBodyLength(headers: Headers): number {
  const value = headers.get("content-length");
  if (value === null || headers.has("transfer-encoding") || headers.has("content-encoding")) {
    return -1;
  }
  if (value.length > 6 || !/^[0-9]+$/.test(value)) return -1;
  const n = Number(value);
  return n <= MAX_WHOLE_BODY_BYTES ? n : -1;
}

/**
 * Reads a whole request body, at most `max` bytes.
 *
 * @returns The bytes, `too-large` past `max`, or `aborted` when the client broke off.
 */
async function readWhole(
  body: ReadableStream<Uint8Array>,
  max: number,
): Promise<Uint8Array<ArrayBuffer> | "too-large" | "aborted"> {
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) {
        reader.cancel().catch(() => {});
        return "too-large";
      }
      parts.push(value);
    }
  } catch {
    return "aborted";
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** The usage fields a route's responses carry, by its provider's error shape. */
function usageDialect(route: ActiveRoute): UsageDialect | undefined {
  const shape = route.spec.errorShape;
  return shape === "openai" || shape === "anthropic" || shape === "gemini" ? shape : undefined;
}

/** The answer to a request a token limit refused, in the provider's shape. */
function limitResponse(route: ActiveRoute, refusal: LimitRefusal): Response {
  const res = errorResponse(
    route.spec.errorShape,
    refusal.status === 429 ? "rate-limited" : "forbidden",
    `this session's token limit refused the request: ${refusal.detail}`,
  );
  if (refusal.retryAfter !== undefined) res.headers.set("retry-after", String(refusal.retryAfter));
  return res;
}

/** Request headers never forwarded (besides the hop-by-hop ones). */
const NOT_FORWARDED = ["host", "accept-encoding", "content-length"];

/** Each route's compiled secret forms, built on its first response. */
const FORMS = new WeakMap<ActiveRoute, SecretForms>();

function formsOf(route: ActiveRoute): SecretForms {
  let forms = FORMS.get(route);
  if (!forms) {
    forms = secretForms(route.secret, route.token);
    FORMS.set(route, forms);
  }
  return forms;
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
  const maxBodyBytes = deps.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes;
  const maxHeaderBytes = deps.maxHeaderBytes ?? MAX_REQUEST_HEADER_BYTES;
  const watchdog = new Watchdog();
  const allRoutes = [...deps.routes.values()];

  app.all("*", async (c) => {
    const started = Date.now();
    const req = c.req.raw;
    const method = req.method;
    const env = c.env as ServerEnv | undefined;
    // The target as the client sent it, validated: the router, the upstream request and
    // the audit record all use this one path.
    let target: RouteTarget;
    try {
      target = routeTarget(req, env);
    } catch (err) {
      const detail = err instanceof TargetError ? err.message : "malformed request";
      if (deps.pressure) deps.pressure.refuse("malformed", detail);
      else {
        deps.audit({
          time: new Date(started).toISOString(),
          kind: "route",
          method,
          status: 400,
          bytesUp: 0,
          bytesDown: 0,
          durationMs: 0,
          decision: "bad-request",
          detail,
        });
      }
      return errorResponse("generic", "bad-request");
    }
    const { url, name, rest } = target;
    const route = name === undefined ? undefined : deps.routes.get(name);
    let host = "";
    let bytesUp = 0;
    /** Forms of the real credential replaced in this response so far. */
    let scrubbed = 0;
    /** The model the request names (Gemini path, or JSON body under a `models` limit). */
    let model: string | undefined;
    /** The LLM tokens the response reported. */
    let usage: TokenUsage | undefined;
    /** The token limit that refused the request. */
    let limit: string | undefined;
    const record = (
      status: number,
      decision: string,
      bytesDown = 0,
      detail?: string,
    ) =>
      deps.audit({
        time: new Date(started).toISOString(),
        kind: "route",
        ...(name === undefined ? {} : { route: name }),
        ...(env?.via ? { via: env.via } : {}),
        method,
        path: target.auditPath,
        ...(host ? { host } : {}),
        status,
        bytesUp,
        bytesDown,
        durationMs: Date.now() - started,
        decision,
        ...(detail === undefined ? {} : { detail }),
        ...(scrubbed === 0 ? {} : { scrubbed }),
        ...(model === undefined ? {} : { model: model.slice(0, MAX_MODEL_CHARS) }),
        ...(usage === undefined ? {} : { usage }),
        ...(limit === undefined ? {} : { limit }),
      });
    if (!route) {
      record(404, "unknown-route");
      return errorResponse("generic", "not-found");
    }
    const { spec } = route;
    const reqHeaders = req.headers;
    const presented = spec.injector.readToken(reqHeaders, url);
    if (!tokensEqual(presented, route.token)) {
      const other = presented === null
        ? undefined
        : allRoutes.find((r) => r !== route && tokensEqual(presented, r.token));
      const detail = presented === null
        ? "no token"
        : other
        ? `token of route ${other.spec.name}`
        : "wrong token";
      record(401, "denied-token", 0, detail);
      const refused = errorResponse(spec.errorShape, "unauthorized");
      if (spec.injector.challenge) refused.headers.set("www-authenticate", spec.injector.challenge);
      return refused;
    }
    // One pass over the request headers: their size, and the forwardable ones.
    const headers = new Headers();
    const named = connectionNamed(reqHeaders.get("connection"));
    let headerBytes = 0;
    for (const [k, v] of reqHeaders) {
      headerBytes += k.length + v.length + 4;
      if (!isHopByHop(k, named) && !NOT_FORWARDED.includes(k)) {
        headers.append(k, v);
      }
    }
    if (headerBytes > maxHeaderBytes) {
      const detail = `request head over ${maxHeaderBytes} bytes`;
      if (deps.pressure) deps.pressure.refuse("headers-too-large", detail);
      else record(431, "headers-too-large", 0, detail);
      return errorResponse(spec.errorShape, "headers-too-large");
    }

    // The token's limits: the model (when an allowlist needs it), then admission.
    const guard = route.guard;
    let preRead: Uint8Array<ArrayBuffer> | undefined;
    /** Models named besides `model` (nested in the body, in the query): all must pass. */
    const others: string[] = [];
    /** Why the request's model cannot be checked, when it cannot. */
    let unchecked: string | undefined;
    if (spec.errorShape === "gemini") model = pathModel(rest);
    if (guard) {
      if (
        guard.needsModel && model === undefined && req.body && method !== "GET" &&
        method !== "HEAD"
      ) {
        const whole = await readWhole(req.body, maxBodyBytes);
        if (whole === "too-large") {
          const detail = `request body over ${maxBodyBytes} bytes`;
          if (deps.pressure) deps.pressure.refuse("body-too-large", detail);
          else record(413, "body-too-large", 0, detail);
          return errorResponse(spec.errorShape, "payload-too-large");
        }
        if (whole === "aborted") {
          record(0, "client-aborted");
          return errorResponse(spec.errorShape, "bad-gateway");
        }
        const type = reqHeaders.get("content-type") ?? "";
        let unreadable: boolean | undefined;
        if (/^\s*multipart\//i.test(type)) {
          // A form (OpenAI's audio and image endpoints): forwarded as sent.
          const form = await formModels(whole, type);
          others.push(...form.models);
          preRead = whole;
          unreadable = form.unreadable;
        } else {
          const read = bodyModel(whole);
          model = read.model;
          preRead = read.body;
          if (read.nested) others.push(...read.nested);
          unreadable = read.unreadable;
        }
        bytesUp = preRead.byteLength;
        // A compressed or unreadable body could name a model the proxy cannot see.
        const coding = reqHeaders.get("content-encoding");
        if (coding !== null && coding.trim().toLowerCase() !== "identity") {
          unchecked = `request body in content-encoding ${coding.slice(0, 32)}`;
        } else if (unreadable) unchecked = "request body is not one the proxy can read";
      }
      // A model in the query (OpenAI's Realtime `?model=`) is checked as well.
      if (guard.needsModel) others.push(...url.searchParams.getAll("model"));
      const names = model === undefined ? others : [model, ...others];
      const forbidden = names.find((m) => !modelAllowed(m, guard.limits.models ?? []));
      if (forbidden !== undefined) model = forbidden;
      else if (model === undefined) model = names[0];
      const refusal = unchecked !== undefined
        ? guard.refuse({
          status: 403,
          limit: "models",
          detail: `${unchecked}: its model cannot be checked`,
        })
        : guard.admit(model);
      if (refusal) {
        limit = refusal.limit;
        record(refusal.status, "denied-limit", 0, refusal.detail);
        return limitResponse(route, refusal);
      }
    }

    const upstreamUrl = new URL(spec.upstream.href);
    upstreamUrl.pathname = spec.upstream.pathname.replace(/\/$/, "") + rest;
    upstreamUrl.search = url.search;
    spec.injector.strip(headers, upstreamUrl);
    spec.injector.inject(headers, upstreamUrl, decoder.decode(route.secret));
    // Bodies come back uncompressed, so that they can be scrubbed (an upstream that
    // compresses anyway is decoded below, or refused).
    headers.set("accept-encoding", "identity");
    host = upstreamUrl.host;

    // One abort signal for the upstream exchange: the client went away, or the upstream
    // sent no headers in time. Under Deno.serve `req.signal` also aborts after every
    // successful response (and warns about it), so `completed` tells a departed client.
    const abort = new AbortController();
    let clientGone = false;
    let timedOut = false;
    /** Set when a whole-body response is handed over; told whether it was delivered. */
    let onDelivered: ((delivered: boolean) => void) | undefined;
    if (env?.completed) {
      env.completed.then(() => onDelivered?.(true), () => {
        clientGone = true;
        abort.abort();
        onDelivered?.(false);
      });
    } else {
      const signal = req.signal;
      const gone = () => {
        clientGone = true;
        abort.abort();
      };
      if (signal.aborted) gone();
      else signal.addEventListener("abort", gone, { once: true });
    }
    const limits = spec.timeouts ?? {};
    /** Why the proxy cut the upstream body off (idle or total time limit), if it did. */
    let cut: string | undefined;
    const totalMs = limits.totalMs ?? deps.totalTimeoutMs ?? 7_200_000;
    const idleMs = limits.idleMs ?? deps.bodyIdleTimeoutMs ?? 300_000;
    const now = Date.now();
    const totalDeadline = now + totalMs;
    let inBody = false;
    const watch = watchdog.watch({
      deadline: Math.min(totalDeadline, now + (limits.headersMs ?? headersTimeoutMs)),
      idleMs: 0,
      last: now,
      onExpire(which) {
        if (!inBody) timedOut = true;
        if (which === "idle") cut = `no body bytes for ${idleMs} ms`;
        else if (Date.now() >= totalDeadline) cut = `total time limit ${totalMs} ms`;
        abort.abort();
      },
    });
    /** The upstream's headers are in: from now on the idle and total limits apply. */
    const bodyPhase = () => {
      inBody = true;
      watch.deadline = totalDeadline;
      watch.idleMs = idleMs;
      watch.last = Date.now();
    };
    const done = () => watchdog.release(watch);

    const tooLarge = () => {
      const detail = `request body over ${maxBodyBytes} bytes`;
      if (deps.pressure) deps.pressure.refuse("body-too-large", detail);
      else record(413, "body-too-large", 0, detail);
      return errorResponse(spec.errorShape, "payload-too-large");
    };
    const declared = reqHeaders.get("content-length");
    if (declared !== null && Number(declared) > maxBodyBytes) {
      done();
      return tooLarge();
    }
    let overLimit = false;
    let body: BodyInit | null = preRead ?? null;
    if (!preRead && req.body && method !== "GET" && method !== "HEAD") {
      if (wholeBodyLength(reqHeaders) >= 0) {
        try {
          const whole = await req.bytes();
          bytesUp = whole.byteLength;
          body = whole;
        } catch {
          done();
          record(0, "client-aborted");
          return errorResponse(spec.errorShape, "bad-gateway");
        }
      } else {
        body = countingStream(req.body, () => {}, (n) => {
          bytesUp = n;
          if (n > maxBodyBytes) {
            overLimit = true;
            throw new BodyTooLarge();
          }
        });
      }
    }
    let upstream: Response;
    try {
      upstream = await deps.upstreamFetch(upstreamUrl, {
        method,
        headers,
        body,
        redirect: "manual",
        signal: abort.signal,
        ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
      } as RequestInit);
    } catch (err) {
      done();
      if (overLimit) return tooLarge();
      if (timedOut || cut) {
        record(504, "upstream-timeout", 0, cut ?? "no response headers in time");
        return errorResponse(spec.errorShape, "gateway-timeout");
      }
      if (clientGone) {
        record(0, "client-aborted");
        return errorResponse(spec.errorShape, "bad-gateway");
      }
      const dial = deps.explainFailure?.(upstreamUrl, err);
      if (dial) {
        record(502, dial.decision, 0, dial.detail);
        return errorResponse(
          spec.errorShape,
          "bad-gateway",
          dial.decision === "denied-address"
            ? "the upstream's address is refused by policy"
            : "the upstream could not be reached",
        );
      }
      const why = classifyUpstreamError(err);
      record(502, "upstream-error", 0, why.detail);
      return errorResponse(spec.errorShape, "bad-gateway", why.reason);
    }
    bodyPhase();

    const status = upstream.status;
    const upHeaders = upstream.headers;
    // The real credential never comes back: not in a header, the status text or the body.
    const forms = formsOf(route);
    const outHeaders: [string, string][] = [];
    for (const [name, value] of responseHeaders(upHeaders)) {
      const v = scrubText(forms, value);
      const n = scrubText(forms, name);
      scrubbed += v.hits + n.hits;
      // A scrubbed body may change length: the server sets it (or chunks) instead.
      if (n.hits > 0 || (name === "content-length" && upstream.body)) continue;
      outHeaders.push([name, v.text]);
    }
    const statusLine = scrubText(forms, upstream.statusText);
    scrubbed += statusLine.hits;
    const statusText = statusLine.text;
    if (!upstream.body) {
      done();
      record(status, "allowed");
      return new Response(null, { status, statusText, headers: outHeaders });
    }
    const plan = decodePlan(upHeaders.get("content-encoding"));
    if (!plan.ok) {
      done();
      upstream.body.cancel().catch(() => {});
      record(502, "upstream-error", 0, `content-encoding ${plan.coding} cannot be scrubbed`);
      return errorResponse(
        spec.errorShape,
        "bad-gateway",
        "the upstream's response is in an encoding airlock cannot inspect",
      );
    }
    const scrubber = new StreamScrubber(forms);
    const dialect = usageDialect(route);
    const meter = dialect ? new UsageMeter(dialect, upHeaders.get("content-type")) : undefined;
    /** Counts what the response used, once it has ended (however it ended). */
    const counted = () => {
      usage = meter?.end();
      if (usage) guard?.count(usage);
    };
    if (wholeBodyLength(upHeaders) >= 0) {
      // A small body of declared length: read it whole (a truncated one becomes a 502,
      // never a body that looks complete) and hand it to the server in one piece.
      let whole: Uint8Array<ArrayBuffer>;
      try {
        const reading = upstream.bytes();
        const aborted = abortion(abort.signal);
        whole = await (aborted ? Promise.race([reading, aborted]) : reading);
      } catch (err) {
        done();
        if (clientGone) {
          record(0, "client-aborted");
        } else if (cut) {
          record(504, "upstream-timeout", 0, cut);
          return errorResponse(spec.errorShape, "gateway-timeout");
        } else {
          record(502, "upstream-error", 0, `body broke: ${classifyUpstreamError(err).detail}`);
        }
        return errorResponse(spec.errorShape, "bad-gateway");
      }
      done();
      meter?.push(whole);
      counted();
      const head = scrubber.push(whole);
      const tail = scrubber.flush();
      if (scrubber.hits > 0 || tail.length > 0) {
        whole = new Uint8Array(head.length + tail.length);
        whole.set(head);
        whole.set(tail, head.length);
      }
      scrubbed += scrubber.hits;
      const bytesDown = whole.byteLength;
      if (env?.completed) {
        onDelivered = (delivered) =>
          record(status, delivered ? "allowed" : "client-aborted", delivered ? bytesDown : 0);
      } else {
        record(status, "allowed", bytesDown);
      }
      return new Response(whole, { status, statusText, headers: outHeaders });
    }
    const outgoing = env?.outgoing;
    const breakClient = outgoing ? () => outgoing.destroy() : undefined;
    const relayed = countingStream(
      plan.formats.length === 0 ? upstream.body : decodeBody(upstream.body, plan.formats),
      (bytesDown, outcome, err) => {
        done();
        counted();
        scrubbed += scrubber.hits;
        if (outcome === "ok") record(status, "allowed", bytesDown);
        else if (outcome === "cancel") record(status, "client-aborted", bytesDown);
        else if (cut) record(status, "upstream-timeout", bytesDown, `stream cut: ${cut}`);
        else {
          record(
            status,
            "upstream-error",
            bytesDown,
            `stream broke: ${classifyUpstreamError(err).detail}`,
          );
        }
      },
      () => watch.last = Date.now(),
      breakClient,
      abort.signal,
      scrubber,
      meter,
    );
    return new Response(relayed, { status, statusText, headers: outHeaders });
  });

  app.onError(() => errorResponse("generic", "internal"));
  return app;
}
