/**
 * TLS interception of CONNECTs to a credential route's host: the proxy answers the
 * tunnel itself with a leaf certificate of the session CA (minted on first use per host,
 * cached), and hands the decrypted HTTP/1.1 stream to an internal `Deno.serve` of that
 * host (on a UNIX socket in a private directory, mode 0700), whose requests go through
 * the very handler base-URL requests go through (`src/proxy/app.ts`: token check, strip,
 * inject, pinned upstream, streaming, audit — marked `via: "intercept"`).
 *
 * What the tunnel is bound to is the CONNECT target: the TLS server name (SNI) and every
 * request's `Host` must name the same host (else the connection ends, or `421`), and a
 * route with a base path only serves paths beneath it. WebSocket upgrades get `426`
 * (clients fall back to plain HTTP streaming); HTTP/2 is not offered (ALPN `http/1.1`).
 *
 * @module
 */

import net from "node:net";
import tls from "node:tls";
import type { Socket } from "node:net";
import type { AuditRecord } from "../audit/session_log.ts";
import type { ServerEnv } from "../proxy/app.ts";
import { errorResponse, type ErrorShape } from "../proxy/error_shapes.ts";
import type { SessionCa } from "./session_ca.ts";

/** A host whose CONNECTs are intercepted, and the route its requests go to. */
export interface InterceptTarget {
  /** The route's name. */
  route: string;
  /** The host (lower case). */
  host: string;
  /** The port (443 unless the route's upstream says otherwise). */
  port: number;
  /** The route's upstream base path (`""` or `/base`, no trailing slash). */
  basePath: string;
  /** The error shape of the route's clients. */
  errorShape: ErrorShape;
}

/** The request handler the decrypted requests go to. */
export type InterceptApp = (req: Request, env: ServerEnv) => Response | Promise<Response>;

/** What a finished intercepted tunnel reports for its `connect` audit record. */
export interface TunnelEnd {
  /** `intercepted`, or why it failed (`tls-client-rejected`, `sni-mismatch`). */
  decision: string;
  /** Bytes of TLS from the client. */
  bytesUp: number;
  /** Bytes of TLS to the client. */
  bytesDown: number;
  /** Short detail (the TLS error code). */
  detail?: string;
}

/** What {@linkcode createInterceptor} needs. */
export interface InterceptorDeps {
  /** The session CA. */
  ca: SessionCa;
  /** The intercepted hosts. */
  targets: readonly InterceptTarget[];
  /** The reverse-proxy handler (hono's `app.fetch`). */
  app: InterceptApp;
  /** Audit sink (requests refused before the app: wrong Host, outside the base path, upgrades). */
  audit: (record: AuditRecord) => void;
  /**
   * Where to make the private directory (mode 0700) of the internal servers' sockets:
   * airlock's `$XDG_STATE_HOME/airlock/run`, outside every grant (the system's temporary
   * directory when not given).
   */
  parent?: string;
}

/** Intercepts CONNECTs. */
export interface Interceptor {
  /**
   * The target a CONNECT to `host:port` is intercepted for, if any: the route's host on
   * port 443 (requests then go to the upstream as the route says, at its pinned address,
   * whatever its port).
   */
  match(host: string, port: number): InterceptTarget | undefined;
  /**
   * Terminates TLS on a client socket whose CONNECT was answered with 200.
   * @param onEnd Called once when the tunnel ends.
   */
  handle(
    socket: Socket,
    target: InterceptTarget,
    head: Uint8Array,
    onEnd: (end: TunnelEnd) => void,
  ): void;
  /** Milliseconds each leaf took to mint, in order (benchmarks). */
  readonly mintMs: readonly number[];
  /** Stops the internal servers and ends every intercepted connection. */
  close(): Promise<void>;
}

/**
 * Creates the interceptor of a session.
 *
 * @param deps The CA, the targets, the app, the audit sink, a private directory.
 * @returns The interceptor.
 */
export function createInterceptor(deps: InterceptorDeps): Interceptor {
  const byHost = new Map(deps.targets.map((t) => [t.host, t]));
  const contexts = new Map<string, Promise<tls.SecureContext>>();
  const servers = new Map<string, Promise<{ server: Deno.HttpServer; path: string }>>();
  const sockets = new Set<Socket>();
  const mintMs: number[] = [];
  let closed = false;
  let serial = 0;
  let dir: Promise<string> | undefined;
  const privateDir = () =>
    dir ??= (async () => {
      if (deps.parent) await Deno.mkdir(deps.parent, { recursive: true, mode: 0o700 });
      const made = await Deno.makeTempDir({
        ...(deps.parent ? { dir: deps.parent } : {}),
        prefix: "intercept-",
      });
      await Deno.chmod(made, 0o700);
      return made;
    })();

  const context = (host: string) => {
    let ctx = contexts.get(host);
    if (!ctx) {
      const started = performance.now();
      ctx = deps.ca.mintLeaf(host).then((leaf) => {
        mintMs.push(performance.now() - started);
        return tls.createSecureContext({ cert: leaf.certPem, key: leaf.keyPem });
      });
      contexts.set(host, ctx);
      ctx.catch(() => contexts.delete(host));
    }
    return ctx;
  };

  const server = (target: InterceptTarget) => {
    const key = `${target.host}:${target.port}`;
    let s = servers.get(key);
    if (!s) {
      s = privateDir().then((d) => {
        const path = `${d}/i${serial++}.sock`;
        // Deno.serve binds before it returns: the socket accepts from here on.
        const srv = Deno.serve(
          { path, onListen: () => {} },
          (req, info) => serveIntercepted(deps, target, req, info.completed),
        );
        return { server: srv, path };
      });
      servers.set(key, s);
    }
    return s;
  };

  return {
    mintMs,
    match(host, port) {
      const target = byHost.get(host.toLowerCase());
      return target && port === 443 ? target : undefined;
    },
    handle(socket, target, head, onEnd) {
      let ended = false;
      let secured = false;
      const end = (decision: string, detail?: string) => {
        if (ended) return;
        ended = true;
        const bytesUp = socket.bytesRead ?? 0;
        const bytesDown = socket.bytesWritten ?? 0;
        onEnd({ decision, bytesUp, bytesDown, ...(detail ? { detail } : {}) });
      };
      if (head.length > 0) socket.unshift(head);
      sockets.add(socket);
      socket.once("close", () => {
        sockets.delete(socket);
        end(secured ? "intercepted" : "tls-client-rejected", secured ? undefined : "closed");
      });
      Promise.all([context(target.host), server(target)]).then(([secureContext, inner]) => {
        if (closed || socket.destroyed) return socket.destroy();
        const secure = new tls.TLSSocket(socket, {
          isServer: true,
          secureContext,
          ALPNProtocols: ["http/1.1"],
        });
        secure.on("error", (err: NodeJS.ErrnoException) => {
          if (!secured) end("tls-client-rejected", err.code ?? "handshake failed");
          secure.destroy();
          socket.destroy();
        });
        secure.once("secure", () => {
          const sni = (secure as unknown as { servername?: string | false }).servername;
          if (typeof sni === "string" && sni !== "" && sni.toLowerCase() !== target.host) {
            end("sni-mismatch", "server name differs from the CONNECT target");
            secure.destroy();
            socket.destroy();
            return;
          }
          secured = true;
          const backend = net.connect({ path: inner.path });
          backend.setNoDelay?.(true);
          const stop = () => {
            secure.destroy();
            backend.destroy();
            socket.destroy();
          };
          backend.on("error", stop);
          backend.on("close", stop);
          secure.on("close", stop);
          secure.pipe(backend);
          backend.pipe(secure);
        });
      }, (err) => {
        end("intercept-error", (err as Error).message);
        socket.destroy();
      });
    },
    async close() {
      closed = true;
      for (const s of sockets) s.destroy();
      const all = await Promise.allSettled(servers.values());
      for (const r of all) {
        if (r.status !== "fulfilled") continue;
        await r.value.server.shutdown().catch(() => {});
      }
      if (dir) await Deno.remove(await dir, { recursive: true }).catch(() => {});
    },
  };
}

/** Serves one decrypted request: binds it to the CONNECT target, then hands it to the app. */
function serveIntercepted(
  deps: InterceptorDeps,
  target: InterceptTarget,
  req: Request,
  completed: Promise<void>,
): Response | Promise<Response> {
  const started = new Date().toISOString();
  const refuse = (status: number, decision: string, detail: string) => {
    deps.audit({
      time: started,
      kind: "route",
      route: target.route,
      via: "intercept",
      method: req.method,
      host: target.host,
      status,
      bytesUp: 0,
      bytesDown: 0,
      durationMs: 0,
      decision,
      detail,
    });
  };
  const host = (req.headers.get("host") ?? "").toLowerCase();
  const named = host === target.host || host === `${target.host}:443` ||
    host === `${target.host}:${target.port}`;
  if (!named) {
    refuse(421, "misdirected", "Host differs from the CONNECT target");
    return new Response("airlock: the Host header must name the CONNECT target\n", {
      status: 421,
      headers: { connection: "close" },
    });
  }
  if (req.headers.has("upgrade")) {
    refuse(426, "upgrade-refused", "protocol upgrades are not intercepted");
    return new Response("airlock: use plain HTTP; upgrades are not supported here\n", {
      status: 426,
      headers: { connection: "close" },
    });
  }
  // The target as sent: what follows the authority in the URL Deno.serve built from Host.
  const at = req.url.indexOf("://");
  const slash = at < 0 ? -1 : req.url.indexOf("/", at + 3);
  const raw = slash < 0 ? "/" : req.url.slice(slash);
  const base = target.basePath;
  if (base && raw !== base && !raw.startsWith(`${base}/`) && !raw.startsWith(`${base}?`)) {
    refuse(404, "outside-base-path", `the route serves ${base}/ only`);
    return errorResponse(target.errorShape, "not-found");
  }
  return deps.app(req, {
    incoming: { url: `/${target.route}${raw.slice(base.length)}` },
    completed,
    via: "intercept",
  });
}
