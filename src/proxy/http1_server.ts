/**
 * The reverse-proxy side of the front: an HTTP/1.1 server (RFC 9112) on a connection
 * the front accepted, handing each request to a fetch-style handler (the hono app) and
 * writing its response as it streams. It replaces a splice into `Deno.serve`: no second
 * loopback connection and no second copy of every byte.
 *
 * - Keep-alive and pipelined requests, one at a time; request bodies framed by
 *   `Content-Length` or chunked, streamed to the handler unbuffered; `Expect:
 *   100-continue` answered.
 * - Responses: `Content-Length` when the handler gave one (the head then goes out with
 *   the first piece of the body, in one write), else chunked (close-delimited for
 *   HTTP/1.0), every chunk written as it arrives.
 * - A client that goes away (end of input or reset) while its response streams cancels
 *   the response body, so the upstream request is cancelled too; `env.completed`
 *   rejects. `env.breakClient()` drops the connection (a truncated body never looks
 *   complete).
 * - Heads over {@linkcode MAX_REQUEST_HEAD_BYTES} get 431, malformed ones 400, and
 *   CONNECT or absolute-form requests 405 (proxy clients open a new connection), each
 *   closing the connection.
 *
 * @module
 */

import { BufferedConn } from "./http1_conn.ts";
import { parseFields, ProtocolError, readHead } from "./http1_head.ts";
import { latin1Bytes, writeChunkedBody } from "./http1_request.ts";
import { bodyReader, type Framing } from "./http1_response.ts";

/** Largest request head accepted (bytes); larger gets 431. */
export const MAX_REQUEST_HEAD_BYTES = 32 * 1024;

/** What the server passes the handler as its second argument. */
export interface Http1Env {
  /** Settles when the response was written; rejects when the client went away. */
  completed: Promise<void>;
  /** Drops the client connection. */
  breakClient: () => void;
}

/** Handles one request. */
export type Http1Handler = (req: Request, env: Http1Env) => Response | Promise<Response>;

const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) (\S+) HTTP\/1\.([01])$/;
const enc = new TextEncoder();

function plain(status: string, body = ""): Uint8Array {
  return enc.encode(
    `HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-type: text/plain\r\n` +
      `content-length: ${enc.encode(body).length}\r\n\r\n${body}`,
  );
}

const TOO_LARGE = plain("431 Request Header Fields Too Large");
const BAD_REQUEST = plain("400 Bad Request");
const NOT_HERE = plain("405 Method Not Allowed", "airlock: open a new connection for CONNECT\n");
const CONTINUE = enc.encode("HTTP/1.1 100 Continue\r\n\r\n");

function requestFraming(headers: Headers): Framing {
  const te = headers.get("transfer-encoding");
  if (te !== null) {
    if (headers.has("content-length")) throw new ProtocolError("Cannot read the request: framing");
    const codings = te.split(",").map((s) => s.trim().toLowerCase());
    if (codings.length !== 1 || codings[0] !== "chunked") {
      throw new ProtocolError("Cannot read the request: transfer coding");
    }
    return { kind: "chunked" };
  }
  const cl = headers.get("content-length");
  if (cl === null) return { kind: "none" };
  if (!/^\d{1,15}$/.test(cl)) throw new ProtocolError("Cannot read the request: Content-Length");
  const length = Number(cl);
  return length === 0 ? { kind: "none" } : { kind: "length", length };
}

const REASONS: Record<number, string> = {
  200: "OK",
  201: "Created",
  204: "No Content",
  301: "Moved Permanently",
  302: "Found",
  304: "Not Modified",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  407: "Proxy Authentication Required",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** Largest request body drained after a response the handler gave without reading it. */
const DRAIN_BYTES = 1024 * 1024;

/** Fields the server sets itself. */
const OWN_FIELDS = new Set(["connection", "transfer-encoding", "keep-alive", "content-length"]);

/**
 * Serves HTTP/1.1 requests on one connection until it ends.
 *
 * @param conn The accepted connection.
 * @param initial Bytes already read from it (the front's look at the first request).
 * @param handler The request handler.
 * @param origin `http://host:port`, the base of each request's URL.
 * @returns When the connection is done (it is closed then).
 * @example
 * ```ts ignore
 * for await (const conn of Deno.listen({ hostname: "127.0.0.1", port: 0 })) {
 *   serveHttp1(conn, new Uint8Array(), (req) => new Response("hi"), "http://127.0.0.1");
 * }
 * ```
 */
export async function serveHttp1(
  conn: Deno.Conn,
  initial: Uint8Array,
  handler: Http1Handler,
  origin: string,
): Promise<void> {
  const bc = new BufferedConn(conn, initial);
  try {
    while (await serveOne(bc, handler, origin)) { /* next request */ }
  } catch {
    // a broken connection ends here
  } finally {
    bc.close();
  }
}

/** Serves one request; true when the connection may carry another. */
async function serveOne(bc: BufferedConn, handler: Http1Handler, origin: string): Promise<boolean> {
  let text: string | null;
  try {
    text = await readHead(bc, MAX_REQUEST_HEAD_BYTES);
  } catch (err) {
    await bc.writeAll(err instanceof RangeError ? TOO_LARGE : BAD_REQUEST).catch(() => {});
    return false;
  }
  if (text === null) return false;
  const lines = text.split("\r\n");
  const m = REQUEST_LINE.exec(lines[0] ?? "");
  let headers: Headers;
  let framing: Framing;
  try {
    if (!m) throw new ProtocolError("Cannot read the request: bad request line");
    headers = parseFields(lines);
    framing = requestFraming(headers);
  } catch {
    await bc.writeAll(BAD_REQUEST).catch(() => {});
    return false;
  }
  const method = m[1]!;
  const target = m[2]!;
  const minor = Number(m[3]);
  if (method === "CONNECT" || !target.startsWith("/")) {
    await bc.writeAll(NOT_HERE).catch(() => {});
    return false;
  }
  const connection = (headers.get("connection") ?? "").toLowerCase();
  let keepAlive = minor === 1
    ? !/(^|,)\s*close\s*(,|$)/.test(connection)
    : /(^|,)\s*keep-alive\s*(,|$)/.test(connection);

  // The request body, streamed to the handler.
  let bodyDone = framing.kind === "none";
  let body: ReadableStream<Uint8Array> | null = null;
  const hasBody = framing.kind !== "none" && method !== "GET" && method !== "HEAD";
  if (framing.kind !== "none" && !hasBody) keepAlive = false; // a GET body is not read
  if (hasBody) {
    const next = bodyReader(bc, framing);
    let askedToContinue = !/100-continue/i.test(headers.get("expect") ?? "");
    body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (!askedToContinue) {
          askedToContinue = true;
          await bc.writeAll(CONTINUE);
        }
        try {
          const piece = await next();
          if (piece === null) {
            bodyDone = true;
            controller.close();
            watchClient();
          } else {
            controller.enqueue(piece);
          }
        } catch (err) {
          keepAlive = false;
          controller.error(err);
        }
      },
      cancel() {
        keepAlive = false;
      },
    }, { highWaterMark: 0 });
  }

  // The client going away: noticed by a read kept pending once the request is read.
  let gone = false;
  const hooks: { onGone?: () => void } = {};
  let settle!: { ok: () => void; fail: (e: unknown) => void };
  const completed = new Promise<void>((ok, fail) => settle = { ok, fail });
  completed.catch(() => {});
  const markGone = () => {
    if (gone) return;
    gone = true;
    settle.fail(new Error("client went away"));
    hooks.onGone?.();
  };
  function watchClient(): void {
    bc.watch((n) => {
      if (n === null) markGone();
    });
  }
  if (bodyDone) watchClient();

  const url = origin + target;
  const req = new Request(url, {
    method,
    headers,
    ...(body ? { body, duplex: "half" } : {}),
  } as RequestInit);
  let res: Response;
  try {
    res = await handler(req, { completed, breakClient: markGoneAndClose });
  } catch {
    res = new Response(null, { status: 500 });
  }
  function markGoneAndClose(): void {
    markGone();
    bc.close();
  }
  if (gone) {
    await res.body?.cancel().catch(() => {});
    return false;
  }
  if (!bodyDone && body && !body.locked) {
    // The handler answered without reading the body (a refusal): read it off, so that
    // closing never resets the connection under the response, and keep it alive.
    try {
      const reader = body.getReader();
      for (let total = 0; !bodyDone && total < DRAIN_BYTES;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.length;
      }
    } catch { /* broken body: closed below */ }
  }
  if (!bodyDone) keepAlive = false;

  // The response head.
  const status = res.status;
  const noBody = method === "HEAD" || status === 204 || status === 304 || status < 200;
  let head = `HTTP/1.1 ${status} ${res.statusText || REASONS[status] || ""}\r\n`;
  for (const [name, value] of res.headers) {
    if (!OWN_FIELDS.has(name)) head += `${name}: ${value}\r\n`;
  }
  const length = res.headers.get("content-length");
  let mode: "none" | "length" | "chunked" | "close";
  if (noBody) {
    mode = "none";
    if (method === "HEAD" && length !== null) head += `content-length: ${length}\r\n`;
  } else if (!res.body) {
    mode = "none";
    head += "content-length: 0\r\n";
  } else if (length !== null && /^\d+$/.test(length)) {
    mode = "length";
    head += `content-length: ${length}\r\n`;
  } else if (minor === 1) {
    mode = "chunked";
    head += "transfer-encoding: chunked\r\n";
  } else {
    mode = "close";
    keepAlive = false;
  }
  if (!keepAlive) head += "connection: close\r\n";
  const headBytes = latin1Bytes(head + "\r\n");

  if (mode === "none" || !res.body) {
    await res.body?.cancel().catch(() => {});
    await bc.writeAll(headBytes);
    settle.ok();
    return keepAlive && !gone;
  }
  const reader = res.body.getReader();
  hooks.onGone = () => reader.cancel().catch(() => {});
  try {
    if (mode !== "length") await bc.writeAll(headBytes);
    const next = async () => {
      const { done, value } = await reader.read();
      if (gone) throw new Error("client went away");
      return done ? null : value;
    };
    if (mode === "chunked") {
      await writeChunkedBody(bc, next);
    } else {
      let left = mode === "length" ? Number(length) : Infinity;
      let first = mode === "length"; // the head goes out with the first piece: one write
      for (let piece = await next(); piece !== null; piece = await next()) {
        if (piece.length > left) throw new Error("body longer than its Content-Length");
        left -= piece.length;
        if (first) {
          first = false;
          const both = new Uint8Array(headBytes.length + piece.length);
          both.set(headBytes);
          both.set(piece, headBytes.length);
          await bc.writeAll(both);
        } else {
          await bc.writeAll(piece);
        }
      }
      if (first) await bc.writeAll(headBytes);
      if (mode === "length" && left !== 0) throw new Error("body shorter than its Content-Length");
    }
  } catch (err) {
    markGone();
    reader.cancel(err).catch(() => {});
    return false;
  }
  settle.ok();
  return keepAlive && !gone;
}
