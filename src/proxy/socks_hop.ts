/**
 * The upstream hop: an in-process SOCKS5 server (RFC 1928, `CONNECT` only) on a random
 * 127.0.0.1 port, through which the upstream fetch client opens every TCP connection, so
 * the socket goes to exactly the address the checked dialer chose while TLS is verified
 * end to end by the client against the URL's host name.
 *
 * Why SOCKS5 and why TCP:
 * - An HTTP `CONNECT` hop with credentials does not work: Deno's client then copies its
 *   `Proxy-Authorization` into every request it sends through the tunnel, so every
 *   upstream received the hop's password (finding 3 of issue 10). SOCKS5 authenticates
 *   in its own handshake (RFC 1929 username/password), which never reaches HTTP.
 * - `Deno.createHttpClient`'s `unix` (and `tcp`) proxy transports send `https://`
 *   requests as plaintext absolute-form HTTP to the socket, and `socks5h://` needs a
 *   host and port, so this one hop cannot be a UNIX socket.
 *
 * Restricted and authenticated: a 256-bit password compared in constant time, a
 * handshake time limit, and only the targets it was given (the session's route
 * upstreams), resolved and dialled through the checked dialer. A failure is kept for the
 * audit log (`lastFailure`).
 *
 * @module
 */

import { acceptLoop } from "./accept_loop.ts";
import { copyBothWays } from "./copy.ts";
import { type Dialer, DialError } from "./dialer.ts";
import { normalizeHost } from "./pins.ts";
import { tokensEqual } from "./tokens.ts";

/** A running hop. */
export interface SocksHop {
  /** `socks5h://user:password@127.0.0.1:PORT` for `Deno.createHttpClient`. */
  url: string;
  /** Its port on 127.0.0.1. */
  port: number;
  /** The last failure for `host:port` within the past minute. */
  lastFailure(host: string, port: number): DialError | undefined;
  /** Stops listening and closes every connection. */
  close(): void;
}

/** Options of {@linkcode startSocksHop}. */
export interface SocksHopOptions {
  /** The checked dialer. */
  dialer: Dialer;
  /**
   * The only `host:port` targets allowed (normalised host, see `normalizeHost`), each
   * with its connect time limit in milliseconds (undefined: `connectTimeoutMs`).
   */
  targets: ReadonlyMap<string, number | undefined>;
  /**
   * Time limit for a client's SOCKS handshake, in milliseconds.
   * @default 10000
   */
  handshakeTimeoutMs?: number;
  /**
   * Time limit for resolving and connecting to the upstream, in milliseconds.
   * @default 15000
   */
  connectTimeoutMs?: number;
}

/** Reads exact byte counts off a connection, keeping what a read brought beyond them. */
class ExactReader {
  #conn: Deno.Conn;
  #buf = new Uint8Array(0);

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  async read(n: number): Promise<Uint8Array> {
    while (this.#buf.length < n) {
      const chunk = new Uint8Array(512);
      const got = await this.#conn.read(chunk);
      if (got === null) throw new Error("closed during the SOCKS handshake");
      const joined = new Uint8Array(this.#buf.length + got);
      joined.set(this.#buf);
      joined.set(chunk.subarray(0, got), this.#buf.length);
      this.#buf = joined;
    }
    const out = this.#buf.slice(0, n);
    this.#buf = this.#buf.slice(n);
    return out;
  }

  /** Bytes read past the handshake (the client's first TLS bytes, if it did not wait). */
  get rest(): Uint8Array {
    return this.#buf;
  }
}

/** SOCKS5 reply codes (RFC 1928 §6). */
const REPLY = {
  ok: 0,
  notAllowed: 2,
  hostUnreachable: 4,
  refused: 5,
  commandNotSupported: 7,
  addressNotSupported: 8,
} as const;

function reply(code: number): Uint8Array {
  return new Uint8Array([5, code, 0, 1, 0, 0, 0, 0, 0, 0]);
}

async function readTarget(r: ExactReader): Promise<[string, number] | number> {
  const [ver, cmd, , atyp] = await r.read(4);
  if (ver !== 5) return REPLY.commandNotSupported;
  let host: string;
  if (atyp === 1) {
    host = [...await r.read(4)].join(".");
  } else if (atyp === 3) {
    const [len = 0] = await r.read(1);
    host = new TextDecoder().decode(await r.read(len));
  } else if (atyp === 4) {
    const b = await r.read(16);
    const groups = [];
    for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
    host = new URL(`http://[${groups.join(":")}]/`).hostname; // canonical, as in a URL
  } else {
    return REPLY.addressNotSupported;
  }
  const [hi = 0, lo = 0] = await r.read(2);
  if (cmd !== 1) return REPLY.commandNotSupported;
  return [normalizeHost(host), (hi << 8) | lo];
}

/**
 * Starts the hop. Requires `--allow-net=127.0.0.1` and the upstream addresses.
 *
 * @param options Dialer, allowed targets and time limits.
 * @returns The running hop.
 * @example
 * ```ts ignore
 * const hop = startSocksHop({ dialer, targets: new Map([["api.openai.com:443", undefined]]) });
 * const client = Deno.createHttpClient({ caCerts, proxy: { url: hop.url } });
 * ```
 */
export function startSocksHop(options: SocksHopOptions): SocksHop {
  const user = "airlock";
  const password = [...crypto.getRandomValues(new Uint8Array(32))]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  const handshakeMs = options.handshakeTimeoutMs ?? 10_000;
  const connectMs = options.connectTimeoutMs ?? 15_000;
  const failures = new Map<string, { error: DialError; at: number }>();
  const conns = new Set<Deno.Conn>();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closeConn = (c: Deno.Conn | undefined) => {
    if (!c) return;
    conns.delete(c);
    try {
      c.close();
    } catch { /* already closed */ }
  };

  async function handshake(client: Deno.Conn, r: ExactReader): Promise<Deno.Conn | null> {
    const [ver, n = 0] = await r.read(2);
    const methods = await r.read(n);
    if (ver !== 5 || !methods.includes(2)) {
      await client.write(new Uint8Array([5, 0xff]));
      return null;
    }
    await client.write(new Uint8Array([5, 2]));
    const [authVer, ulen = 0] = await r.read(2);
    const u = new TextDecoder().decode(await r.read(ulen));
    const [plen = 0] = await r.read(1);
    const p = new TextDecoder().decode(await r.read(plen));
    // Both compared, always: no early exit on the user name.
    const good = tokensEqual(u, user) && tokensEqual(p, password) && authVer === 1;
    await client.write(new Uint8Array([1, good ? 0 : 1]));
    if (!good) return null;
    const target = await readTarget(r);
    if (typeof target === "number") {
      await client.write(reply(target));
      return null;
    }
    const [host, port] = target;
    const key = `${host}:${port}`;
    if (!options.targets.has(key)) {
      await client.write(reply(REPLY.notAllowed));
      return null;
    }
    try {
      const address = await options.dialer.resolve(host, port);
      const upstream = await Deno.connect({
        hostname: address,
        port,
        signal: AbortSignal.timeout(options.targets.get(key) ?? connectMs),
      });
      upstream.setNoDelay(true);
      return upstream;
    } catch (err) {
      const error = err instanceof DialError ? err : new DialError(
        "connect-failed",
        `${host}:${port}${timedOut(err) ? " (timed out)" : ""}`,
        err,
      );
      failures.set(key, { error, at: Date.now() });
      await client.write(
        reply(
          error.kind === "denied-address"
            ? REPLY.notAllowed
            : error.kind === "unresolvable"
            ? REPLY.hostUnreachable
            : REPLY.refused,
        ),
      );
      return null;
    }
  }

  async function serve(client: Deno.TcpConn): Promise<void> {
    conns.add(client);
    let upstream: Deno.Conn | null | undefined;
    const r = new ExactReader(client);
    const timer = setTimeout(() => closeConn(client), handshakeMs + connectMs);
    try {
      upstream = await handshake(client, r);
      clearTimeout(timer);
      if (!upstream) return;
      conns.add(upstream);
      client.setNoDelay(true);
      await client.write(reply(REPLY.ok));
      if (r.rest.length > 0) await upstream.write(r.rest);
      await copyBothWays(client, upstream);
    } catch {
      // a broken hop connection fails the fetch that used it
    } finally {
      clearTimeout(timer);
      closeConn(client);
      closeConn(upstream ?? undefined);
    }
  }

  let closed = false;
  // Accept errors (EMFILE) are retried, never the end of the hop (see accept_loop.ts).
  acceptLoop(listener, { onConn: serve, onError: () => {}, closed: () => closed });
  const port = (listener.addr as Deno.NetAddr).port;
  return {
    url: `socks5h://${user}:${password}@127.0.0.1:${port}`,
    port,
    lastFailure(host, p) {
      const f = failures.get(`${normalizeHost(host)}:${p}`);
      return f && Date.now() - f.at < 60_000 ? f.error : undefined;
    },
    close() {
      closed = true;
      try {
        listener.close();
      } catch { /* closed */ }
      for (const c of [...conns]) closeConn(c);
    },
  };
}

function timedOut(err: unknown): boolean {
  return err instanceof DOMException && err.name === "TimeoutError";
}
