/**
 * The proxy's one way in: a port on 127.0.0.1, or a UNIX socket (the sandbox reaches it
 * through a bridge on 127.0.0.1:PORT inside its own network namespace).
 *
 * A small front (`Deno.listen`) reads the first request line of each connection and
 * splices the connection to one of two internal servers, each on a UNIX socket in a
 * private directory of its own (mode 0700, created here, removed by `close()`; never the
 * directory of a UNIX front, which the sandbox may see: Landlock does not mediate
 * `connect()` to pathname sockets, so a socket there would bypass the front):
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

/** Where the front listens: a TCP port on 127.0.0.1, or a UNIX socket path. */
export type ListenAddress = { port: number } | { path: string };

/** A running proxy server. */
export interface ProxyServer {
  /** The TCP port it listens on (0 for a UNIX front). */
  port: number;
  /** The UNIX socket path it listens on (undefined for a TCP front). */
  path: string | undefined;
  /** The private directory (mode 0700) of the internal servers' sockets. */
  internalDir: string;
  /** Stops listening and ends every open connection and tunnel. */
  close(): Promise<void>;
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

function startReverse(app: Hono, path: string): Deno.HttpServer<Deno.UnixAddr> {
  return Deno.serve({ path, onListen: () => {} }, (req, info) => {
    if (req.method === "CONNECT") {
      return new Response("airlock: open a new connection for CONNECT\n", {
        status: 405,
        headers: { connection: "close" },
      });
    }
    const env: ServerEnv = { completed: info.completed };
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
 * Serves the proxy on 127.0.0.1:PORT or on a UNIX socket. Requires `--allow-net=127.0.0.1`
 * and `--allow-read`/`--allow-write` for the socket paths.
 *
 * @param app The reverse-proxy app.
 * @param egress The CONNECT and forwarding dependencies (`track` is supplied here).
 * @param address `{ port }` (0 for a random free one) or `{ path }` (see {@linkcode listenUnix}).
 * @returns The running server.
 * @throws {Error} When the port or path cannot be bound.
 * @example
 * ```ts ignore
 * const server = await serveProxy(app, egress, { port: 0 });
 * console.log(server.port);
 * await server.close();
 * ```
 */
export async function serveProxy(
  app: Hono,
  egress: Omit<ConnectDeps, "track">,
  address: ListenAddress,
): Promise<ProxyServer> {
  const internalDir = await Deno.makeTempDir({ prefix: "airlock-proxy-" });
  await Deno.chmod(internalDir, 0o700);
  const removeInternal = () => Deno.remove(internalDir, { recursive: true }).catch(() => {});
  let listener: Deno.Listener;
  try {
    listener = "path" in address
      ? listenUnix(address.path)
      : Deno.listen({ hostname: "127.0.0.1", port: address.port });
  } catch (err) {
    await removeInternal();
    throw err;
  }
  const sockets = new Set<Socket>();
  const conns = new Set<Deno.Conn>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  };
  const egressPath = `${internalDir}/egress.sock`;
  let egressServer: Promise<EgressServer> | undefined;
  const startEgress = async () => {
    egressServer ??= import("./egress_server.ts").then((m) =>
      m.startEgressServer(app, { ...egress, track }, egressPath, MAX_HEADER_BYTES)
    ).catch((err) => {
      egressServer = undefined; // the next proxy-form connection tries again
      throw err;
    });
    await egressServer;
  };
  const reversePath = `${internalDir}/reverse.sock`;
  let reverseServer: Deno.HttpServer<Deno.UnixAddr>;
  try {
    reverseServer = startReverse(app, reversePath);
  } catch (err) {
    listener.close();
    await removeInternal();
    throw err;
  }

  async function splice(conn: Deno.Conn): Promise<void> {
    conns.add(conn);
    let inner: Deno.Conn | undefined;
    try {
      if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
      const first = await readFirstHead(conn);
      if (!first) return;
      const { kind, bytes } = first;
      if (kind === "too-large") {
        await conn.write(TOO_LARGE).catch(() => {});
        return;
      }
      if (kind === "egress") await startEgress();
      inner = await Deno.connect({
        transport: "unix",
        path: kind === "reverse" ? reversePath : egressPath,
      });
      conns.add(inner);
      await inner.write(bytes);
      await copyBothWays(conn, inner);
    } catch {
      // a broken client connection ends here
    } finally {
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

  const path = "path" in address ? address.path : undefined;
  let closed = false;
  return {
    port: path === undefined ? (listener.addr as Deno.NetAddr).port : 0,
    path,
    internalDir,
    async close() {
      if (closed) return;
      closed = true;
      listener.close();
      await accepting;
      for (const c of conns) closeQuietly(c);
      for (const s of sockets) s.destroy();
      await (await egressServer?.catch(() => undefined))?.close();
      await reverseServer.shutdown();
      if (path !== undefined) await Deno.remove(path).catch(() => {});
      await removeInternal();
    },
  };
}

/**
 * Listens on a UNIX socket for the front: refuses a path whose directory others can
 * enter (the caller creates it mode 0700), and makes the socket itself mode 0600.
 *
 * @param path The socket path (it must not exist yet).
 * @returns The listener.
 * @throws {Deno.errors.PermissionDenied} When the directory is open to group or others.
 * @throws {Deno.errors.AddrInUse} When the path exists.
 * @example
 * ```ts
 * import { listenUnix } from "./server.ts";
 * const dir = Deno.makeTempDirSync();
 * const listener = listenUnix(`${dir}/proxy.sock`);
 * console.assert((Deno.statSync(`${dir}/proxy.sock`).mode! & 0o777) === 0o600);
 * listener.close();
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function listenUnix(path: string): Deno.Listener {
  const dir = path.slice(0, Math.max(1, path.lastIndexOf("/")));
  const mode = Deno.statSync(dir).mode ?? 0;
  if ((mode & 0o077) !== 0) {
    throw new Deno.errors.PermissionDenied(
      `Cannot listen on ${path}: its directory has mode ${(mode & 0o777).toString(8)}, not 700`,
    );
  }
  const listener = Deno.listen({ transport: "unix", path });
  try {
    Deno.chmodSync(path, 0o600);
  } catch (err) {
    listener.close();
    throw err;
  }
  return listener;
}
