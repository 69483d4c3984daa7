/**
 * The proxy's one listening port on 127.0.0.1.
 *
 * A small front (`Deno.listen`) reads the first request line of each connection and
 * splices the connection to one of two internal loopback servers:
 * - proxy-form (`CONNECT host:port`, absolute-form `GET http://…`): a `node:http` server,
 *   which can tunnel CONNECT (Deno.serve cannot) and answers later requests on the same
 *   keep-alive connection, including the CONNECT retry after a 407;
 * - origin-form (`POST /openai/v1/…`, the SDKs' base-URL traffic): `Deno.serve` with the
 *   hono app, which streams bodies natively (far less memory and CPU per stream than the
 *   `node:http` compatibility layer).
 *
 * A connection that starts origin-form and later sends CONNECT gets 405 and is closed:
 * clients that use the proxy as a proxy open their own connections for it.
 *
 * The egress server (`egress_server.ts`, with the Node compatibility layer it needs) is
 * loaded and started on the first proxy-form connection, so a session whose command only
 * uses the base-URL routes never pays for it.
 *
 * @module
 */

import type { Socket } from "node:net";
import type { Hono } from "hono";
import type { ServerEnv } from "./app.ts";
import type { ConnectDeps } from "./connect.ts";
import { copyBothWays } from "./copy.ts";
import type { EgressServer } from "./egress_server.ts";

/** A running proxy server. */
export interface ProxyServer {
  /** The port it listens on. */
  port: number;
  /**
   * Stops listening and ends every open connection and tunnel. With `drainMs`, first
   * lets open requests and streams finish (idle keep-alive connections close) and tunnels
   * end, for at most that long.
   */
  close(drainMs?: number): Promise<void>;
}

/** Largest request head accepted (bytes); larger gets 431. */
export const MAX_HEADER_BYTES = 32 * 1024;

type Kind = "egress" | "reverse";

/**
 * Classifies a connection by the start of its first request.
 *
 * @param head The first bytes received.
 * @returns `egress` for CONNECT and absolute-form, `reverse` for origin-form, or
 *   undefined when more bytes are needed.
 * @example
 * ```ts
 * import { classifyRequest } from "./server.ts";
 * const enc = new TextEncoder();
 * console.assert(classifyRequest(enc.encode("CONNECT h:443 HTTP/1.1")) === "egress");
 * console.assert(classifyRequest(enc.encode("GET http://h/ HTTP/1.1")) === "egress");
 * console.assert(classifyRequest(enc.encode("POST /openai/v1")) === "reverse");
 * console.assert(classifyRequest(enc.encode("GE")) === undefined);
 * ```
 */
export function classifyRequest(head: Uint8Array): Kind | undefined {
  const space = head.indexOf(0x20);
  if (space < 0) return head.length > 16 ? "reverse" : undefined;
  if (head.length <= space + 1) return undefined;
  const method = new TextDecoder().decode(head.subarray(0, space));
  if (method === "CONNECT") return "egress";
  return head[space + 1] === 0x2f /* "/" */ || head[space + 1] === 0x2a /* "*" */
    ? "reverse"
    : "egress";
}

function startReverse(
  app: Hono,
  breakClient: (innerPort: number) => void,
): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req, info) => {
    if (req.method === "CONNECT") {
      return new Response("airlock: open a new connection for CONNECT\n", {
        status: 405,
        headers: { connection: "close" },
      });
    }
    const env: ServerEnv = {
      completed: info.completed,
      breakClient: () => breakClient(info.remoteAddr.port),
    };
    return app.fetch(req, env);
  });
}

const TOO_LARGE = new TextEncoder().encode(
  "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
);

const HEAD_END = new Uint8Array([13, 10, 13, 10]);

function indexOfSeq(hay: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = Math.max(0, from); i <= hay.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * Reads the start of a connection: enough to classify it and, for origin-form, the
 * whole first request head (refused with 431 beyond {@linkcode MAX_HEADER_BYTES}).
 */
async function readFirstHead(
  conn: Deno.Conn,
): Promise<{ kind: Kind | "too-large"; bytes: Uint8Array } | null> {
  let buf = new Uint8Array(4096);
  let len = 0;
  let kind: Kind | undefined;
  for (;;) {
    if (len === buf.length) {
      if (len > MAX_HEADER_BYTES) return { kind: "too-large", bytes: buf };
      const bigger = new Uint8Array(buf.length * 2);
      bigger.set(buf);
      buf = bigger;
    }
    const n = await conn.read(buf.subarray(len));
    if (n === null) return null;
    const scanFrom = len - 3;
    len += n;
    const view = buf.subarray(0, len);
    const known = kind !== undefined;
    kind ??= classifyRequest(view);
    if (kind === "egress") return { kind, bytes: view };
    if (kind === "reverse" && indexOfSeq(view, HEAD_END, known ? scanFrom : 0) >= 0) {
      return { kind, bytes: view };
    }
  }
}

function closeQuietly(c: Deno.Conn | undefined): void {
  try {
    c?.close();
  } catch { /* already closed */ }
}

/**
 * Serves the proxy on 127.0.0.1. Requires `--allow-net=127.0.0.1`.
 *
 * @param app The reverse-proxy app.
 * @param egress The CONNECT and forwarding dependencies (`track` is supplied here).
 * @param port The port, 0 for a random free one.
 * @returns The running server.
 * @throws {Error} When the port cannot be bound.
 * @example
 * ```ts ignore
 * const server = await serveProxy(app, egress, 0);
 * console.log(server.port);
 * await server.close();
 * ```
 */
export function serveProxy(
  app: Hono,
  egress: Omit<ConnectDeps, "track">,
  port: number,
): Promise<ProxyServer> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  const sockets = new Set<Socket>();
  const conns = new Set<Deno.Conn>();
  /** Front connection pairs by the local port of the inner (spliced) connection. */
  const byInnerPort = new Map<number, [Deno.Conn, Deno.Conn]>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  };
  let egressServer: Promise<EgressServer> | undefined;
  const egressPort = async () => {
    egressServer ??= import("./egress_server.ts").then((m) =>
      m.startEgressServer(app, { ...egress, track }, MAX_HEADER_BYTES)
    ).catch((err) => {
      egressServer = undefined; // the next proxy-form connection tries again
      throw err;
    });
    return (await egressServer).port;
  };
  let reverseServer: Deno.HttpServer<Deno.NetAddr>;
  try {
    reverseServer = startReverse(app, (innerPort) => {
      const pair = byInnerPort.get(innerPort);
      if (pair) { for (const c of pair) closeQuietly(c); }
    });
  } catch (err) {
    listener.close();
    throw err;
  }
  const reversePort = reverseServer.addr.port;

  async function splice(conn: Deno.TcpConn): Promise<void> {
    conns.add(conn);
    let inner: Deno.TcpConn | undefined;
    try {
      conn.setNoDelay(true);
      const first = await readFirstHead(conn);
      if (!first) return;
      const { kind, bytes } = first;
      if (kind === "too-large") {
        await conn.write(TOO_LARGE).catch(() => {});
        return;
      }
      const port = kind === "reverse" ? reversePort : await egressPort();
      inner = await Deno.connect({ hostname: "127.0.0.1", port });
      conns.add(inner);
      const innerPort = (inner.localAddr as Deno.NetAddr).port;
      byInnerPort.set(innerPort, [conn, inner]);
      inner.setNoDelay(true);
      await inner.write(bytes);
      await copyBothWays(conn, inner);
    } catch {
      // a broken client connection ends here
    } finally {
      if (inner) byInnerPort.delete((inner.localAddr as Deno.NetAddr).port);
      for (const c of [conn, inner]) {
        if (!c) continue;
        conns.delete(c);
        closeQuietly(c);
      }
    }
  }

  const accepting = (async () => {
    for await (const conn of listener) splice(conn);
  })().catch(() => {});

  return Promise.resolve({
    port: (listener.addr as Deno.NetAddr).port,
    async close(drainMs = 0) {
      listener.close();
      await accepting;
      if (drainMs > 0) {
        // Deno.serve's shutdown finishes in-flight responses and closes idle connections;
        // the spliced front connections then end on their own. Tunnels get the rest.
        const deadline = Date.now() + drainMs;
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          reverseServer.shutdown(),
          new Promise((done) => timer = setTimeout(done, drainMs)),
        ]);
        clearTimeout(timer);
        while (conns.size > 0 && Date.now() < deadline) {
          await new Promise((done) => setTimeout(done, 25));
        }
      }
      for (const c of conns) closeQuietly(c);
      for (const s of sockets) s.destroy();
      await (await egressServer?.catch(() => undefined))?.close();
      await reverseServer.shutdown();
    },
  });
}
