/**
 * The proxy's internal server for proxy-form traffic (CONNECT tunnels and absolute-form
 * plain HTTP), on a UNIX socket in the proxy's private directory that only the front
 * splices connections into.
 * It is a `node:http` server (Deno.serve cannot tunnel CONNECT), so this module and the
 * Node compatibility layer load only when the first such connection arrives. Origin-form
 * requests that arrive on a proxy-form connection go to the same hono app as the
 * reverse routes.
 *
 * @module
 */

import { getRequestListener } from "@hono/node-server";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Hono } from "hono";
import { type ConnectDeps, handleConnect } from "./connect.ts";
import { handleForward } from "./forward_http.ts";
import type { ProxyLimits } from "./limits.ts";

/** A running egress server. */
export interface EgressServer {
  /** Its UNIX socket path. */
  path: string;
  /** Stops it and ends its connections. */
  close(): Promise<void>;
}

/**
 * Starts the egress server on a UNIX socket.
 *
 * @param app The reverse-proxy app, for origin-form requests on proxy-form connections.
 * @param deps The CONNECT and forwarding dependencies.
 * @param path The socket path (in a private directory).
 * @param limits The header size limit (431) and the head timeout (408) for later
 *   requests on a connection.
 * @returns The running server.
 * @throws {Error} When it cannot listen.
 * @example
 * ```ts ignore
 * const egress = await startEgressServer(app, deps, `${dir}/egress.sock`, DEFAULT_LIMITS);
 * await egress.close();
 * ```
 */
export async function startEgressServer(
  app: Hono,
  deps: Omit<ConnectDeps, "reinject">,
  path: string,
  limits: ProxyLimits,
): Promise<EgressServer> {
  const reverse = getRequestListener(app.fetch, { overrideGlobalObjects: false });
  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headTimeoutMs,
      requestTimeout: 0, // bodies may stream for as long as they stream
    },
    (req: IncomingMessage, res: ServerResponse) => {
      if ((req.url ?? "/").startsWith("/")) return reverse(req, res);
      handleForward(full, req, res).catch(() => res.destroy());
    },
  );
  server.on("connection", deps.track);
  const full: ConnectDeps = {
    ...deps,
    reinject(socket, head) {
      if (head.length > 0) socket.unshift(head);
      server.emit("connection", socket);
    },
  };
  server.on("connect", (req: IncomingMessage, socket: Socket, head: Uint8Array) => {
    const auth = req.headers["proxy-authorization"];
    handleConnect(full, req.url ?? "", typeof auth === "string" ? auth : undefined, socket, head)
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
    server.listen(path, () => ok());
  });
  return {
    path,
    async close() {
      const closed = new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections?.();
      await closed;
    },
  };
}
