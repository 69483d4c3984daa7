/**
 * The proxy's one listening port: a `node:http` server (Deno.serve cannot tunnel
 * CONNECT) on 127.0.0.1 whose origin-form requests go to the hono reverse-proxy app,
 * absolute-form requests to the plain-HTTP forwarder, and CONNECT to the tunnel handler.
 *
 * @module
 */

import { getRequestListener } from "@hono/node-server";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Hono } from "hono";
import { type ConnectDeps, handleConnect } from "./connect.ts";
import { handleForward } from "./forward_http.ts";

/** A running proxy server. */
export interface ProxyServer {
  /** The port it listens on. */
  port: number;
  /** Stops listening and ends every open connection and tunnel. */
  close(): Promise<void>;
}

/** Largest request head accepted (bytes); larger gets 431. */
export const MAX_HEADER_BYTES = 32 * 1024;

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
export async function serveProxy(
  app: Hono,
  egress: Omit<ConnectDeps, "track">,
  port: number,
): Promise<ProxyServer> {
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
  };
  const deps: ConnectDeps = { ...egress, track };
  const reverse = getRequestListener(app.fetch, { overrideGlobalObjects: false });
  const server = createServer(
    { maxHeaderSize: MAX_HEADER_BYTES },
    (req: IncomingMessage, res: ServerResponse) => {
      if ((req.url ?? "/").startsWith("/")) return reverse(req, res);
      handleForward(deps, req, res).catch(() => res.destroy());
    },
  );
  server.on("connection", track);
  server.on("connect", (req: IncomingMessage, socket: Socket, head: Uint8Array) => {
    const auth = req.headers["proxy-authorization"];
    handleConnect(deps, req.url ?? "", typeof auth === "string" ? auth : undefined, socket, head)
      .catch(() => socket.destroy());
  });
  server.on("clientError", (err: Error & { code?: string }, socket: Socket) => {
    if (!socket.writable) return socket.destroy();
    const status = err.code === "HPE_HEADER_OVERFLOW"
      ? "431 Request Header Fields Too Large"
      : "400 Bad Request";
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => ok());
  });
  const addr = server.address();
  return {
    port: typeof addr === "object" && addr ? addr.port : port,
    async close() {
      const closed = new Promise<void>((ok) => server.close(() => ok()));
      for (const s of sockets) s.destroy();
      server.closeAllConnections?.();
      await closed;
    },
  };
}
