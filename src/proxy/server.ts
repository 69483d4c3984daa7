/**
 * The proxy's one way in: a port on 127.0.0.1, or a UNIX socket (the sandbox reaches it
 * through a bridge on 127.0.0.1:PORT inside its own network namespace).
 *
 * A small front (`Deno.listen`) reads the first request head of each connection, parses
 * and validates it (`request_head.ts`: malformed is 400), and splices the connection to
 * one of two internal servers, each on a UNIX socket in a
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
import { acceptErrorName, acceptLoop } from "./accept_loop.ts";
import { DEFAULT_LIMITS, type ProxyLimits } from "./limits.ts";
import { PressureLog } from "./pressure.ts";
import { parseRequestHead } from "./request_head.ts";
import { TargetError } from "./request_target.ts";

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
  /**
   * Stops listening and ends every open connection and tunnel. With `drainMs`, first
   * lets open requests and streams finish (idle keep-alive connections close) and tunnels
   * end, for at most that long (a sidecar stopped with SIGTERM).
   */
  close(drainMs?: number): Promise<void>;
}

/** Options of {@linkcode serveProxy}. */
export interface ServeOptions {
  /** Limits (default {@linkcode DEFAULT_LIMITS}). */
  limits?: ProxyLimits;
  /** Where refusals under pressure are counted (default: one on `egress.audit`). */
  pressure?: PressureLog;
  /**
   * The directory to make the private directory of the internal sockets in (airlock's
   * `$XDG_STATE_HOME/airlock/run`, outside every grant); the system's temporary directory
   * when not given, or when socket paths there would be too long for `sun_path`.
   */
  internalParent?: string;
}

/** Longest UNIX socket path (`sun_path` holds 108 bytes with the NUL on Linux, 104 on macOS). */
/** The longest socket path this module binds (`sun_path` holds 108 bytes with its NUL). */
const MAX_SOCKET_PATH = 107;
/** `/proxy-` + a temporary name's random part (up to 16 here) + `/reverse.sock`. */
const LONGEST_INTERNAL_NAME = 7 + 16 + 13;

/** `PID START` as the launch's stale-directory sweep reads it (`src/sandbox/session_dir.ts`). */
function ownerLine(): string | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${Deno.pid}/stat`);
    return `${Deno.pid} ${stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? ""}\n`;
  } catch {
    return undefined; // no /proc (macOS): nothing sweeps the directory of a killed proxy
  }
}

async function makeInternalDir(parent: string | undefined): Promise<string> {
  if (parent !== undefined && parent.length + LONGEST_INTERNAL_NAME <= MAX_SOCKET_PATH) {
    try {
      await Deno.mkdir(parent, { recursive: true, mode: 0o700 });
      const dir = await Deno.makeTempDir({ dir: parent, prefix: "proxy-" });
      // The random part of the name varies in length: measure what was made.
      if (dir.length + "/reverse.sock".length > MAX_SOCKET_PATH) {
        await Deno.remove(dir);
        throw new RangeError("too long for a socket address");
      }
      await Deno.chmod(dir, 0o700);
      const owner = ownerLine();
      if (owner) await Deno.writeTextFile(`${dir}/owner`, owner, { mode: 0o600 });
      return dir;
    } catch {
      // fall back to the temporary directory
    }
  }
  const dir = await Deno.makeTempDir({ prefix: "airlock-proxy-" });
  await Deno.chmod(dir, 0o700);
  return dir;
}

type Kind = "egress" | "reverse";

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

function canned(status: string): Uint8Array {
  return new TextEncoder().encode(
    `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
  );
}

const TOO_LARGE = canned("431 Request Header Fields Too Large");
const TIMED_OUT = canned("408 Request Timeout");
const OVER_CAPACITY = canned("503 Service Unavailable");
const BAD_REQUEST = canned("400 Bad Request");

const HEAD_END = new Uint8Array([13, 10, 13, 10]);

function indexOfSeq(hay: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = Math.max(0, from); i <= hay.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

type FirstHead = { kind: Kind | "too-large"; bytes: Uint8Array; headEnd: number };

/**
 * Reads the first request head of a connection whole (refused with 431 beyond
 * `maxBytes`), and parses it ({@linkcode parseRequestHead}, which throws a
 * `TargetError` for a malformed head: 400).
 */
async function readFirstHead(conn: Deno.Conn, maxBytes: number): Promise<FirstHead | null> {
  let buf = new Uint8Array(4096);
  let len = 0;
  for (;;) {
    if (len === buf.length) {
      if (len > maxBytes) return { kind: "too-large", bytes: buf, headEnd: -1 };
      const bigger = new Uint8Array(buf.length * 2);
      bigger.set(buf);
      buf = bigger;
    }
    const n = await conn.read(buf.subarray(len));
    if (n === null) return null;
    const scanFrom = len - 3;
    len += n;
    const view = buf.subarray(0, len);
    const end = indexOfSeq(view, HEAD_END, scanFrom);
    if (end >= 0) {
      if (end + 4 > maxBytes) return { kind: "too-large", bytes: view, headEnd: end };
      return { kind: parseRequestHead(view.subarray(0, end)).kind, bytes: view, headEnd: end };
    }
    if (len > maxBytes) return { kind: "too-large", bytes: view, headEnd: -1 };
  }
}

function closeQuietly(c: Deno.Conn | undefined): void {
  if (!c) return;
  try {
    c.close();
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
  egress: Omit<ConnectDeps, "track" | "reinject">,
  address: ListenAddress,
  options: ServeOptions = {},
): Promise<ProxyServer> {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const pressure = options.pressure ?? new PressureLog(egress.audit);
  const internalDir = await makeInternalDir(options.internalParent);
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
  /** Open client connections, with the time of their last byte either way. */
  const clients = new Map<Deno.Conn, { last: number; inner?: Deno.Conn }>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  };
  const egressPath = `${internalDir}/egress.sock`;
  let egressServer: Promise<EgressServer> | undefined;
  const startEgress = async () => {
    egressServer ??= import("./egress_server.ts").then((m) =>
      m.startEgressServer(app, { ...egress, track }, egressPath, limits)
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
    const entry: { last: number; inner?: Deno.Conn } = { last: Date.now() };
    clients.set(conn, entry);
    let inner: Deno.Conn | undefined;
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      pressure.refuse("head-timeout", `no request head within ${limits.headTimeoutMs} ms`);
      conn.write(TIMED_OUT).catch(() => {}).finally(() => closeQuietly(conn));
    }, limits.headTimeoutMs);
    try {
      if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
      let first: FirstHead | null;
      try {
        first = await readFirstHead(conn, limits.maxHeaderBytes);
      } catch (err) {
        if (!(err instanceof TargetError) || late) throw err;
        clearTimeout(timer);
        pressure.refuse("malformed", err.message);
        await conn.write(BAD_REQUEST).catch(() => {});
        return;
      }
      clearTimeout(timer);
      if (!first || late) return;
      const { kind, bytes } = first;
      if (kind === "too-large") {
        pressure.refuse("headers-too-large", `request head over ${limits.maxHeaderBytes} bytes`);
        await conn.write(TOO_LARGE).catch(() => {});
        return;
      }
      if (kind === "egress") await startEgress();
      inner = await Deno.connect({
        transport: "unix",
        path: kind === "reverse" ? reversePath : egressPath,
      });
      entry.inner = inner;
      await inner.write(bytes);
      await copyBothWays(conn, inner, () => entry.last = Date.now());
    } catch {
      // a broken client connection ends here
    } finally {
      clearTimeout(timer);
      clients.delete(conn);
      closeQuietly(conn);
      closeQuietly(inner);
    }
  }

  let closed = false;
  const accepting = acceptLoop(listener, {
    onConn(conn) {
      if (clients.size >= limits.maxConnections) {
        pressure.refuse("over-capacity", `limit ${limits.maxConnections} connections`);
        conn.write(OVER_CAPACITY).catch(() => {}).finally(() => closeQuietly(conn));
        return;
      }
      splice(conn);
    },
    onError: (err) => pressure.refuse("accept-error", acceptErrorName(err)),
    closed: () => closed,
  });
  const sweep = setInterval(() => {
    const before = Date.now() - limits.idleTimeoutMs;
    for (const [conn, entry] of clients) {
      if (entry.last < before) {
        closeQuietly(conn);
        closeQuietly(entry.inner);
      }
    }
  }, Math.min(1000, limits.idleTimeoutMs));
  Deno.unrefTimer(sweep);

  const path = "path" in address ? address.path : undefined;
  return {
    port: path === undefined ? (listener.addr as Deno.NetAddr).port : 0,
    path,
    internalDir,
    async close(drainMs = 0) {
      if (closed) return;
      closed = true;
      clearInterval(sweep);
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
        while (clients.size > 0 && Date.now() < deadline) {
          await new Promise((done) => setTimeout(done, 25));
        }
      }
      for (const [c, entry] of clients) {
        closeQuietly(c);
        closeQuietly(entry.inner);
      }
      for (const s of sockets) s.destroy();
      await (await egressServer?.catch(() => undefined))?.close();
      await reverseServer.shutdown();
      if (path !== undefined) await Deno.remove(path).catch(() => {});
      await removeInternal();
      pressure.flush();
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
