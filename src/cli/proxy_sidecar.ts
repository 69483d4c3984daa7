/**
 * What `airlock proxy` needs to be a container's entrypoint (the sidecar pattern in
 * `docs/distribution.md`): the session proxy listens on 127.0.0.1 only, so
 *
 * - `--listen HOST:PORT` accepts the agent container's connections on the container's
 *   address and relays each, byte for byte, to the proxy's loopback port (the proxy still
 *   checks every token; nothing else is reachable through it);
 * - `--advertise HOST[:PORT]` writes the address the agent reaches into the variables
 *   (base URLs, `HTTPS_PROXY`, and `NO_PROXY`, so the base-URL requests are not sent
 *   through the proxy variables back to itself);
 * - `--health HOST:PORT` answers `GET /healthz` with 200 while the proxy accepts
 *   connections and 503 once it drains (for a compose `healthcheck`);
 * - `--log` copies each audit record (one JSON line: route, status, bytes, decision; never
 *   a token or header value) to stderr as it is written, for `docker logs`.
 *
 * @module
 */

import { ProxyError, UsageError } from "../errors.ts";
import { copyBothWays } from "../proxy/copy.ts";

/** A `HOST:PORT` flag value. */
export interface HostPort {
  /** Host name or address (IPv6 without brackets). */
  hostname: string;
  /** Port, 0 for any free one. */
  port: number;
}

/**
 * Parses `HOST:PORT` (`[::]:8080` for IPv6).
 *
 * @param flag The flag's name, for the error.
 * @param text The value.
 * @param portOptional Whether `HOST` alone is accepted (port 0 then).
 * @returns The host and port.
 * @throws {UsageError} When the value is malformed (exit 2).
 * @example
 * ```ts
 * import { parseHostPort } from "./proxy_sidecar.ts";
 * console.assert(parseHostPort("--listen", "0.0.0.0:8080").port === 8080);
 * console.assert(parseHostPort("--listen", "[::]:80").hostname === "::");
 * console.assert(parseHostPort("--advertise", "proxy", true).port === 0);
 * ```
 */
export function parseHostPort(flag: string, text: string, portOptional = false): HostPort {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]+))(?::(\d{1,5}))?$/.exec(text);
  const port = m?.[3] === undefined ? (portOptional ? 0 : NaN) : Number(m[3]);
  if (!m || !Number.isInteger(port) || port > 65535) {
    throw new UsageError(
      `Cannot parse ${flag}: it must be HOST:PORT${
        portOptional ? " or HOST" : ""
      }: current value is "${text}"`,
      { hint: `for example ${flag} 0.0.0.0:8080` },
    );
  }
  return { hostname: m[1] ?? m[2]!, port };
}

/**
 * Rewrites the client variables to reach the proxy at `host:port` instead of
 * `127.0.0.1:proxyPort`, and adds `host` to `NO_PROXY`/`no_proxy`.
 *
 * @param env The variables `startSessionProxy` made.
 * @param proxyPort The proxy's loopback port.
 * @param host The advertised host.
 * @param port The advertised port.
 * @returns New variables.
 * @example
 * ```ts
 * import { advertiseEnv } from "./proxy_sidecar.ts";
 * const env = advertiseEnv(
 *   { OPENAI_BASE_URL: "http://127.0.0.1:4000/openai/v1", NO_PROXY: "localhost,127.0.0.1" },
 *   4000, "airlock-proxy", 8080,
 * );
 * console.assert(env.OPENAI_BASE_URL === "http://airlock-proxy:8080/openai/v1");
 * console.assert(env.NO_PROXY === "localhost,127.0.0.1,airlock-proxy");
 * ```
 */
export function advertiseEnv(
  env: Record<string, string>,
  proxyPort: number,
  host: string,
  port: number,
): Record<string, string> {
  const from = `127.0.0.1:${proxyPort}`;
  const to = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) out[k] = v.replaceAll(from, to);
  for (const k of ["NO_PROXY", "no_proxy"]) {
    if (out[k] !== undefined && !out[k].split(",").includes(host)) out[k] += `,${host}`;
  }
  return out;
}

/** A running relay or health server. */
export interface Listener {
  /** The port it listens on. */
  port: number;
  /** Stops accepting new connections (open ones go on). */
  stopAccepting(): void;
  /** Ends everything. */
  close(): Promise<void>;
}

/**
 * Relays every connection on `at` to `127.0.0.1:proxyPort`.
 *
 * Requires `--allow-net`.
 *
 * @param at Where to listen.
 * @param proxyPort The proxy's loopback port.
 * @returns The relay.
 * @throws {ProxyError} When the address cannot be bound (exit 125).
 */
export function startRelay(at: HostPort, proxyPort: number): Listener {
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname: at.hostname, port: at.port });
  } catch (err) {
    throw new ProxyError(
      `Cannot listen on --listen ${at.hostname}:${at.port}: ${(err as Error).name}`,
      { cause: err },
    );
  }
  const open = new Set<Promise<void>>();
  const conns = new Set<Deno.Conn>();
  const relay = async (conn: Deno.TcpConn) => {
    let inner: Deno.TcpConn | undefined;
    try {
      conns.add(conn);
      inner = await Deno.connect({ hostname: "127.0.0.1", port: proxyPort });
      conns.add(inner);
      conn.setNoDelay(true);
      inner.setNoDelay(true);
      await copyBothWays(conn, inner);
    } catch {
      // a client or the proxy went away
    } finally {
      for (const c of [conn, inner]) {
        if (!c) continue;
        conns.delete(c);
        try {
          c.close();
        } catch { /* closed */ }
      }
    }
  };
  let accepting = true;
  const loop = (async () => {
    for await (const conn of listener) {
      const p = relay(conn);
      open.add(p);
      p.finally(() => open.delete(p));
    }
  })().catch(() => {});
  const stopAccepting = () => {
    if (!accepting) return;
    accepting = false;
    listener.close();
  };
  return {
    port: (listener.addr as Deno.NetAddr).port,
    stopAccepting,
    async close() {
      stopAccepting();
      await loop;
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await Promise.allSettled(open);
    },
  };
}

/**
 * Serves `GET /healthz` on `at`: 200 `{"ok":true}` while `healthy()` is true, else 503.
 *
 * Requires `--allow-net`.
 *
 * @param at Where to listen.
 * @param healthy Whether the proxy is serving.
 * @returns The health server.
 * @throws {ProxyError} When the address cannot be bound (exit 125).
 */
export function startHealth(at: HostPort, healthy: () => boolean): Listener {
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({ hostname: at.hostname, port: at.port, onListen: () => {} }, (req) => {
      if (new URL(req.url).pathname !== "/healthz") return new Response(null, { status: 404 });
      const ok = healthy();
      return Response.json(ok ? { ok } : { ok, state: "draining" }, { status: ok ? 200 : 503 });
    });
  } catch (err) {
    throw new ProxyError(
      `Cannot listen on --health ${at.hostname}:${at.port}: ${(err as Error).name}`,
      { cause: err },
    );
  }
  return {
    port: server.addr.port,
    stopAccepting: () => {},
    close: () => server.shutdown(),
  };
}

/** A running copy of the audit log to stderr. */
export interface AuditTail {
  /** Copies what is left and stops. */
  stop(): Promise<void>;
}

/**
 * Copies the lines appended to `path` to `out` (stderr), checking every `everyMs`.
 *
 * Requires `--allow-read`.
 *
 * @param path The session's `audit.jsonl`.
 * @param out Where the lines go (default: stderr).
 * @param everyMs The polling interval (default 200 ms).
 * @returns The tail; `stop()` flushes it.
 */
export function tailAudit(
  path: string,
  out: { writeSync(p: Uint8Array): number } = Deno.stderr,
  everyMs = 200,
): AuditTail {
  let offset = 0;
  let pending = new Uint8Array(0);
  const copy = () => {
    let bytes: Uint8Array;
    try {
      const file = Deno.openSync(path, { read: true });
      try {
        const size = file.statSync().size;
        if (size <= offset) return;
        file.seekSync(offset, Deno.SeekMode.Start);
        bytes = new Uint8Array(size - offset);
        let n = 0;
        while (n < bytes.length) {
          const r = file.readSync(bytes.subarray(n));
          if (r === null) break;
          n += r;
        }
        bytes = bytes.subarray(0, n);
        offset += n;
      } finally {
        file.close();
      }
    } catch {
      return; // not written yet
    }
    const all = new Uint8Array(pending.length + bytes.length);
    all.set(pending);
    all.set(bytes, pending.length);
    const end = all.lastIndexOf(0x0a) + 1; // whole lines only
    // Records only: the chain's header (`kind: "start"`, with its nonce) is not one.
    const lines = new TextDecoder().decode(all.subarray(0, end)).split("\n")
      .filter((line) => line !== "" && !line.includes('"kind":"start"'));
    const text = new TextEncoder().encode(lines.map((line) => `${line}\n`).join(""));
    let off = 0;
    while (off < text.length) off += out.writeSync(text.subarray(off));
    pending = all.slice(end);
  };
  const timer = setInterval(copy, everyMs);
  return {
    stop() {
      clearInterval(timer);
      copy();
      return Promise.resolve();
    },
  };
}
