/**
 * CONNECT tunnels on the proxy port: proxy credentials (407 challenge kept on the same
 * connection), the domain allowlist (403 naming `--allow-domain`), then a raw TCP
 * splice to the address the checked dialer chose. One audit record per tunnel.
 *
 * @module
 */

import type { Socket } from "node:net";
import type { AuditRecord } from "../audit/session_log.ts";
import { type Dialer, DialError } from "./dialer.ts";
import { domainAllowed, domainRefusal, PROXY_CHALLENGE, proxyAuthorized } from "./egress_policy.ts";
import { splice } from "./upstream_client.ts";
import type { PressureLog } from "./pressure.ts";

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
  /** Largest plain-HTTP request body (413 beyond), default `DEFAULT_LIMITS.maxBodyBytes`. */
  maxBodyBytes?: number;
  /** Counts refusals under pressure (413 bursts). */
  pressure?: PressureLog;
}

/** Largest CONNECT request head read by hand after a 407 (bytes). */
const MAX_HEAD = 16 * 1024;

interface ConnectRequest {
  target: string;
  auth: string | undefined;
}

function parseHead(text: string): ConnectRequest | null {
  const lines = text.split("\r\n");
  const m = /^CONNECT (\S+) HTTP\/1\.[01]$/.exec(lines[0] ?? "");
  if (!m || !m[1]) return null;
  let auth: string | undefined;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === "proxy-authorization") {
      auth = line.slice(colon + 1).trim();
    }
  }
  return { target: m[1], auth };
}

function splitTarget(target: string): [string, number] | null {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(target);
  if (!m || !m[1] || !m[2]) return null;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? [m[1].replace(/^\[|\]$/g, ""), port] : null;
}

function reply(socket: Socket, status: string, extra = "", body = ""): void {
  socket.write(
    `HTTP/1.1 ${status}\r\n${extra}Content-Length: ${
      new TextEncoder().encode(body).length
    }\r\n\r\n${body}`,
  );
}

/** Reads the next request head off a raw socket (after a 407), or null when it closes. */
function nextHead(socket: Socket, pending: Uint8Array): Promise<[string, Uint8Array] | null> {
  return new Promise((resolve) => {
    let buf = new TextDecoder("latin1").decode(pending);
    const onData = (chunk: Uint8Array) => {
      buf += new TextDecoder("latin1").decode(chunk);
      check();
    };
    const onEnd = () => {
      cleanup();
      resolve(null);
    };
    const cleanup = () => {
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("close", onEnd);
      socket.pause();
    };
    const check = () => {
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) {
        if (buf.length > MAX_HEAD) {
          cleanup();
          reply(socket, "431 Request Header Fields Too Large");
          socket.end();
          resolve(null);
        }
        return;
      }
      cleanup();
      const rest = Uint8Array.from(buf.slice(end + 4), (ch) => ch.charCodeAt(0));
      resolve([buf.slice(0, end), rest]);
    };
    socket.on("data", onData);
    socket.once("end", onEnd);
    socket.once("close", onEnd);
    socket.resume();
    check();
  });
}

/**
 * Handles a CONNECT from the node:http server's `connect` event.
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
  for (;;) {
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
    const parsed = splitTarget(target);
    if (!parsed) {
      record({ status: 400, decision: "bad-request", detail: "malformed CONNECT target" });
      reply(socket, "400 Bad Request");
      socket.end();
      return;
    }
    const [host, port] = parsed;
    if (!proxyAuthorized(auth, deps.proxyToken)) {
      record({ status: 407, decision: "proxy-auth-required", detail: auth ? "wrong" : "none" });
      reply(
        socket,
        "407 Proxy Authentication Required",
        `Proxy-Authenticate: ${PROXY_CHALLENGE}\r\n`,
      );
      const next = await nextHead(socket, head);
      if (!next) return;
      const req = parseHead(next[0]);
      if (!req) {
        reply(socket, "405 Method Not Allowed", "Connection: close\r\n");
        socket.end();
        return;
      }
      target = req.target;
      auth = req.auth;
      head = next[1];
      continue;
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
    return;
  }
}
