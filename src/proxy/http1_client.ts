/**
 * An upstream HTTPS client without the CONNECT hop: HTTP/1.1 over `Deno.startTls` on a TCP connection to the
 * address the checked {@linkcode Dialer} chose, so the socket goes to exactly that
 * address while TLS verifies the URL's host name against the system roots plus the
 * `--upstream-ca` files. Connections are kept alive in a pool per `host:port`.
 *
 * It offers a `fetch`-shaped call for the reverse-proxy app: streamed request bodies
 * (chunked), streamed responses (never buffered whole), gzip/deflate/br decoded (the
 * response then loses `Content-Encoding` and `Content-Length`), redirects not followed,
 * and the request's `signal` closing the connection. A request that fails on a reused
 * connection before any response byte (the server had closed it) is sent once more on a
 * new connection when its body was small enough to keep (64 KiB).
 *
 * No `Deno.createHttpClient` is involved (its `tcp` proxy transport sends `https://` as
 * plaintext), and the process's `HTTPS_PROXY`/`NO_PROXY` play no part.
 *
 * @module
 */

import { type Dialer, DialError } from "./dialer.ts";
import { ConnectionPool } from "./http1_pool.ts";
import { RequestBody, requestHead, writeChunkedBody } from "./http1_request.ts";
import { bodyReader, ProtocolError, readResponseHead } from "./http1_response.ts";
import type { BufferedConn } from "./http1_conn.ts";

/** The client. */
export interface Http1Client {
  /**
   * Sends a request through the pinned, checked path (`https:` only). Supports
   * `method`, `headers`, `body` (stream, bytes or text) and `signal` of `init`.
   */
  fetch(input: string | URL, init?: RequestInit): Promise<Response>;
  /** The last dial failure for `host:port` within the past minute, for the audit log. */
  lastFailure(host: string, port: number): DialError | undefined;
  /** Closes every connection. */
  close(): Promise<void>;
}

/** Options of {@linkcode createHttp1Client}. */
export interface Http1ClientOptions {
  /**
   * Idle connections kept per `host:port`.
   * @default 64
   */
  maxIdlePerHost?: number;
  /**
   * Milliseconds an idle connection is kept.
   * @default 30000
   */
  idleTimeoutMs?: number;
  /**
   * Time limit for the TCP connect and the TLS handshake, in milliseconds.
   * @default 10000
   */
  connectTimeoutMs?: number;
}

const DECODERS: Record<string, CompressionFormat> = {
  gzip: "gzip",
  "x-gzip": "gzip",
  deflate: "deflate",
  br: "brotli" as CompressionFormat,
};

/**
 * Decodes a body by its `Content-Encoding` (outermost coding last).
 *
 * @param body The encoded body.
 * @param encoding The `Content-Encoding` value.
 * @returns The decoded body.
 * @throws {ProtocolError} For a coding it cannot decode.
 */
export function decodeContent(
  body: ReadableStream<Uint8Array>,
  encoding: string,
): ReadableStream<Uint8Array> {
  const codings = encoding.split(",").map((s) => s.trim().toLowerCase()).filter((s) =>
    s && s !== "identity"
  );
  let out = body;
  for (const coding of codings.reverse()) {
    const format = DECODERS[coding];
    if (!format) {
      throw new ProtocolError(`Cannot decode the upstream body: "${coding}" coding`);
    }
    out = out.pipeThrough(
      new DecompressionStream(format) as unknown as TransformStream<Uint8Array, Uint8Array>,
    );
  }
  return out;
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("The request was aborted", "AbortError");
}

/** Resolves or rejects with `p`, or rejects when `signal` aborts first. */
function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((ok, fail) => {
    const onAbort = () => fail(abortError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    p.then(ok, fail).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * Creates the client.
 *
 * @param dialer The checked dialer (pins, address checks).
 * @param caCerts PEM certificates to trust (`readCaFiles` of `upstream_client.ts`).
 * @param options Pool and time limits.
 * @returns The client.
 * @example
 * ```ts ignore
 * const client = createHttp1Client(dialer, readCaFiles(policy.network.upstreamCaFiles));
 * const res = await client.fetch("https://api.openai.com/v1/models");
 * ```
 */
export function createHttp1Client(
  dialer: Dialer,
  caCerts: string[],
  options: Http1ClientOptions = {},
): Http1Client {
  const failures = new Map<string, { error: DialError; at: number }>();
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;

  async function connect(host: string, port: number, signal?: AbortSignal): Promise<Deno.Conn> {
    const limit = AbortSignal.timeout(connectTimeoutMs);
    const until = signal ? AbortSignal.any([signal, limit]) : limit;
    const name = host.startsWith("[") ? host.slice(1, -1) : host;
    let tcp: Deno.TcpConn;
    try {
      const address = await dialer.resolve(name, port);
      tcp = await Deno.connect({ hostname: address, port, signal: until });
    } catch (err) {
      if (signal?.aborted) throw abortError(signal);
      const error = err instanceof DialError ? err : new DialError(
        "connect-failed",
        `${name}:${port}${limit.aborted ? " (timed out)" : ""}`,
        err,
      );
      failures.set(`${name}:${port}`, { error, at: Date.now() });
      throw error;
    }
    tcp.setNoDelay(true);
    const tls = await Deno.startTls(tcp, { hostname: name, caCerts });
    try {
      await raceAbort(tls.handshake(), until);
    } catch (err) {
      try {
        tls.close();
      } catch { /* closed */ }
      throw err;
    }
    return tls;
  }

  const pool = new ConnectionPool({
    connect,
    ...(options.maxIdlePerHost !== undefined ? { maxIdlePerKey: options.maxIdlePerHost } : {}),
    ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
  });

  async function exchange(
    bc: BufferedConn,
    url: URL,
    port: number,
    method: string,
    headers: Headers,
    body: RequestBody | null,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    const onAbort = () => pool.discard(bc);
    signal?.addEventListener("abort", onAbort, { once: true });
    let settled = false;
    let sent = body === null;
    const finish = (reuse: boolean) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      if (reuse && sent) pool.release(url.hostname, port, bc);
      else pool.discard(bc);
    };
    try {
      await bc.writeAll(requestHead(method, url, headers, body !== null));
      if (body) {
        writeChunkedBody(bc, body.reader()).then(
          () => sent = true,
          () => pool.discard(bc),
        );
      }
      const head = await readResponseHead(bc, method);
      body?.forget();
      if (head.status > 599) {
        throw new ProtocolError("Cannot relay the upstream response: bad status");
      }
      const next = bodyReader(bc, head.framing);
      if (head.framing.kind === "none") {
        finish(head.keepAlive);
        return new Response(null, head);
      }
      let stream: ReadableStream<Uint8Array> = new ReadableStream<Uint8Array>({
        async pull(controller) {
          try {
            const piece = await next();
            if (piece === null) {
              controller.close();
              finish(head.keepAlive);
            } else {
              controller.enqueue(piece);
            }
          } catch (err) {
            finish(false);
            controller.error(signal?.aborted ? abortError(signal) : err);
          }
        },
        cancel() {
          finish(false);
        },
      }, { highWaterMark: 0 });
      const encoding = head.headers.get("content-encoding");
      if (encoding !== null) {
        stream = decodeContent(stream, encoding);
        head.headers.delete("content-encoding");
        head.headers.delete("content-length");
      }
      return new Response(stream, head);
    } catch (err) {
      finish(false);
      if (signal?.aborted) throw abortError(signal);
      throw err;
    }
  }

  async function send(input: string | URL, init: RequestInit = {}): Promise<Response> {
    const url = typeof input === "string" ? new URL(input) : input;
    if (url.protocol !== "https:") {
      throw new TypeError(`Cannot send the request: only https:// upstreams, not ${url.protocol}`);
    }
    const port = Number(url.port || 443);
    const method = (init.method ?? "GET").toUpperCase();
    const headers = new Headers(init.headers);
    const signal = init.signal ?? undefined;
    signal?.throwIfAborted();
    const body = init.body == null
      ? null
      : new RequestBody(init.body as ReadableStream<Uint8Array> | Uint8Array | string);
    for (let attempt = 0;; attempt++) {
      const { bc, reused } = await pool.acquire(url.hostname, port, signal);
      try {
        return await exchange(bc, url, port, method, headers, body, signal);
      } catch (err) {
        const stale = reused && !bc.used && attempt === 0 && !signal?.aborted &&
          (body === null || body.replayable);
        if (!stale) {
          body?.cancel(err);
          throw err;
        }
      }
    }
  }

  return {
    fetch: send,
    lastFailure(host, p) {
      const f = failures.get(`${host}:${p}`);
      return f && Date.now() - f.at < 60_000 ? f.error : undefined;
    },
    close() {
      pool.close();
      return Promise.resolve();
    },
  };
}
