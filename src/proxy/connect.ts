/**
 * CONNECT tunnels on the proxy port: the target checked as authority-form (400
 * otherwise), proxy credentials (407 challenge kept on the same connection), the domain
 * allowlist (403 naming `--allow-domain`), then a raw TCP splice to the address the
 * checked dialer chose. One audit record per tunnel and per refusal.
 *
 * A CONNECT to the host of a credential route is not tunnelled: after the proxy
 * credentials are checked, the socket goes to the session's interceptor
 * (`src/intercept/`), which terminates TLS with the session CA and serves the requests
 * through the route (token check, strip, inject). Every other allowed CONNECT is a plain
 * tunnel: airlock never decrypts what it does not need to. Nothing before the
 * `200 Connection Established` reads the tunnel's bytes.
 *
 * @module
 */

import type { Socket } from "node:net";
import type { AuditRecord } from "../audit/session_log.ts";
import { type Dialer, DialError } from "./dialer.ts";
import { domainAllowed, domainRefusal, PROXY_CHALLENGE, proxyAuthorized } from "./egress_policy.ts";
import { splice } from "./upstream_client.ts";
import { parseAuthority, TargetError } from "./request_target.ts";
import type { PressureLog } from "./pressure.ts";
import type { Interceptor } from "../intercept/interceptor.ts";

/** What the tunnel handler needs. */
export interface ConnectDeps {
  /** The session's proxy token. */
  proxyToken: string;
  /** Allowed domains. */
  allowDomains: readonly string[];
  /** The checked dialer. */
  dialer: Dialer;
  /** Audit sink. */
  audit: (record: AuditRecord) => void;
  /** Tracks open sockets so close() can end them. */
  track: (socket: Socket) => void;
  /**
   * Hands a socket back to the HTTP server to parse its next request (after a 407),
   * with the bytes already read past the last head.
   */
  reinject: (socket: Socket, head: Uint8Array) => void;
  /** Largest plain-HTTP request body (413 beyond), default `DEFAULT_LIMITS.maxBodyBytes`. */
  maxBodyBytes?: number;
  /** Counts refusals under pressure (413 bursts). */
  pressure?: PressureLog;
  /** TLS interception of the credential routes' hosts (none: every CONNECT is a tunnel). */
  intercept?: Interceptor;
}

function reply(socket: Socket, status: string, extra = "", body = ""): void {
  socket.write(
    `HTTP/1.1 ${status}\r\n${extra}Content-Length: ${
      new TextEncoder().encode(body).length
    }\r\n\r\n${body}`,
  );
}

/**
 * Handles a CONNECT from the node:http server's `connect` event. After a 407 the socket
 * goes back to the server (`deps.reinject`), so the client's next request on it (the
 * CONNECT with credentials, as git sends it) is parsed by the HTTP library again and
 * arrives here as a new event: no request is ever parsed by hand.
 *
 * @param deps Token, allowlist, dialer, audit.
 * @param target The request target (`host:port`).
 * @param auth The `Proxy-Authorization` header.
 * @param socket The client socket.
 * @param head Bytes already read past the request head.
 */
export async function handleConnect(
  deps: ConnectDeps,
  target: string,
  auth: string | undefined,
  socket: Socket,
  head: Uint8Array,
): Promise<void> {
  deps.track(socket);
  socket.on("error", () => socket.destroy());
  const started = Date.now();
  const record = (fields: Partial<AuditRecord> & { status: number; decision: string }) =>
    deps.audit({
      time: new Date(started).toISOString(),
      kind: "connect",
      host: target,
      method: "CONNECT",
      bytesUp: 0,
      bytesDown: 0,
      durationMs: Date.now() - started,
      ...fields,
    });
  let host: string;
  let port: number;
  try {
    ({ host, port } = parseAuthority(target));
  } catch (err) {
    const detail = err instanceof TargetError ? err.message : "malformed CONNECT target";
    if (deps.pressure) deps.pressure.refuse("malformed", detail);
    else record({ status: 400, decision: "bad-request", detail });
    reply(socket, "400 Bad Request", "Connection: close\r\n");
    socket.end();
    return;
  }
  if (!proxyAuthorized(auth, deps.proxyToken)) {
    record({ status: 407, decision: "proxy-auth-required", detail: auth ? "wrong" : "none" });
    reply(
      socket,
      "407 Proxy Authentication Required",
      `Proxy-Authenticate: ${PROXY_CHALLENGE}\r\n`,
    );
    deps.reinject(socket, head);
    return;
  }
  const intercepted = deps.intercept?.match(host, port);
  if (intercepted && deps.intercept) {
    socket.setNoDelay(true);
    socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    deps.intercept.handle(socket, intercepted, head, (end) =>
      record({
        status: 200,
        decision: end.decision,
        bytesUp: end.bytesUp,
        bytesDown: end.bytesDown,
        route: intercepted.route,
        via: "intercept",
        ...(end.detail ? { detail: end.detail } : {}),
      }));
    return;
  }
  if (!domainAllowed(host, deps.allowDomains)) {
    const body = domainRefusal(host);
    record({ status: 403, decision: "denied-domain" });
    reply(socket, "403 Forbidden", "Content-Type: text/plain\r\nConnection: close\r\n", body);
    socket.end();
    return;
  }
  let upstream: Socket;
  try {
    upstream = await deps.dialer.dial(host, port);
  } catch (err) {
    const e = err instanceof DialError ? err : new DialError("connect-failed", host, err);
    const refused = e.kind === "denied-address";
    record({
      status: refused ? 403 : 502,
      decision: refused ? "denied-address" : "upstream-error",
      detail: e.reason,
    });
    reply(
      socket,
      refused ? "403 Forbidden" : "502 Bad Gateway",
      "Content-Type: text/plain\r\nConnection: close\r\n",
      refused
        ? `airlock: ${host} resolves to a private or reserved address; pin it with --resolve\n`
        : `airlock: cannot reach ${host}:${port}\n`,
    );
    socket.end();
    return;
  }
  deps.track(upstream);
  socket.setNoDelay(true);
  socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
  if (head.length > 0) upstream.write(head);
  splice(socket, upstream, (up, down) => {
    record({ status: 200, decision: "allowed", bytesUp: up + head.length, bytesDown: down });
  });
  socket.resume();
}
