/**
 * The upstream HTTPS client: Deno's fetch, with TLS verifying the URL's host name,
 * trusting the system roots plus `--upstream-ca` files, whose TCP connections all go
 * through an in-process CONNECT hop that only the proxy can use (a random password)
 * and that dials through the checked {@linkcode Dialer}. The socket thus goes to exactly
 * the address the dialer checked, while TLS is verified end to end by the client.
 *
 * `Deno.createHttpClient({ proxy: { transport: "tcp" } })` is never used: it sends
 * `https://` requests as plaintext.
 *
 * @module
 */

import type { Socket } from "node:net";
import { ProxyError } from "../errors.ts";
import { type Dialer, DialError } from "./dialer.ts";
import { copyBothWays } from "./copy.ts";
import { tokensEqual } from "./tokens.ts";

/** System CA bundles, first readable wins. */
const SYSTEM_CA_FILES = [
  "/etc/ssl/certs/ca-certificates.crt",
  "/etc/pki/tls/certs/ca-bundle.crt",
  "/etc/ssl/cert.pem",
];

/** The client and its hop. */
export interface UpstreamClient {
  /** `fetch` through the pinned, checked path. */
  fetch(input: string | URL, init?: RequestInit): Promise<Response>;
  /** The last dial failure for `host:port` within the past minute, for the audit log. */
  lastFailure(host: string, port: number): DialError | undefined;
  /** Closes the hop and the client. */
  close(): Promise<void>;
}

/**
 * Reads PEM CA files for upstream TLS.
 *
 * @param files The `--upstream-ca` paths.
 * @param includeSystem Also read the system bundle.
 * @returns PEM texts.
 * @throws {ProxyError} When a given file cannot be read or holds no certificate.
 */
export function readCaFiles(files: readonly string[], includeSystem = true): string[] {
  const out: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = Deno.readTextFileSync(file);
    } catch (err) {
      throw new ProxyError(`Cannot read --upstream-ca "${file}": ${(err as Error).name}`, {
        cause: err,
      });
    }
    if (!text.includes("-----BEGIN CERTIFICATE-----")) {
      throw new ProxyError(`Cannot use --upstream-ca "${file}": no PEM certificate in it`);
    }
    out.push(text);
  }
  if (includeSystem) {
    for (const file of SYSTEM_CA_FILES) {
      try {
        out.push(Deno.readTextFileSync(file));
        break;
      } catch {
        // try the next
      }
    }
  }
  return out;
}

const encoder = new TextEncoder();

/** Reads a request head (up to 8 KiB) off a connection. */
async function readHead(conn: Deno.Conn): Promise<{ text: string; rest: Uint8Array } | null> {
  const buf = new Uint8Array(8192);
  let len = 0;
  while (len < buf.length) {
    const n = await conn.read(buf.subarray(len));
    if (n === null) return null;
    len += n;
    const text = new TextDecoder("latin1").decode(buf.subarray(0, len));
    const end = text.indexOf("\r\n\r\n");
    if (end >= 0) return { text: text.slice(0, end), rest: buf.slice(end + 4, len) };
  }
  return null;
}

function parseConnect(head: string): { target: [string, number]; auth?: string } | null {
  const lines = head.split("\r\n");
  const m = /^CONNECT (\S+) HTTP\/1\.[01]$/.exec(lines[0] ?? "");
  const target = m?.[1] ? splitAuthority(m[1]) : null;
  if (!target) return null;
  let auth: string | undefined;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === "proxy-authorization") {
      auth = line.slice(colon + 1).trim();
    }
  }
  return auth === undefined ? { target } : { target, auth };
}

function splitAuthority(authority: string): [string, number] | null {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(authority);
  if (!m || !m[1] || !m[2]) return null;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? [m[1], port] : null;
}

/**
 * Pipes two sockets into each other and destroys both when either ends badly.
 *
 * @param a One socket.
 * @param b The other.
 * @param onClose Called once when both are closed, with bytes a→b and b→a.
 */
export function splice(
  a: Socket,
  b: Socket,
  onClose?: (aToB: number, bToA: number) => void,
): void {
  let up = 0;
  let down = 0;
  let closed = 0;
  a.on("data", (c: Uint8Array) => up += c.length);
  b.on("data", (c: Uint8Array) => down += c.length);
  const done = () => {
    if (++closed === 2) onClose?.(up, down);
  };
  a.once("close", done);
  b.once("close", done);
  a.once("error", () => b.destroy());
  b.once("error", () => a.destroy());
  a.pipe(b);
  b.pipe(a);
}

/** Variables Deno's HTTP client reads when it is created. */
const PROXY_ENV = [
  "NO_PROXY",
  "no_proxy",
  "HTTPS_PROXY",
  "https_proxy",
  "HTTP_PROXY",
  "http_proxy",
];

/**
 * Runs `fn` with the proxy variables removed from the process environment, then puts them
 * back. Deno's client honours `NO_PROXY` even when given an explicit proxy: with
 * `NO_PROXY=*` it would connect directly, skipping the hop and so the pins and the
 * address checks.
 *
 * @param fn Creates the client.
 * @returns What `fn` returned.
 */
export function withoutProxyEnv<T>(fn: () => T): T {
  const saved = new Map<string, string>();
  for (const name of PROXY_ENV) {
    const value = Deno.env.get(name);
    if (value !== undefined) {
      saved.set(name, value);
      Deno.env.delete(name);
    }
  }
  try {
    return fn();
  } finally {
    for (const [name, value] of saved) Deno.env.set(name, value);
  }
}

/**
 * Starts the hop and creates the client.
 *
 * @param dialer The checked dialer.
 * @param caCerts PEM certificates to trust (see {@linkcode readCaFiles}).
 * @returns The client.
 * @example
 * ```ts ignore
 * const client = createUpstreamClient(dialer, readCaFiles(policy.network.upstreamCaFiles));
 * const res = await client.fetch("https://api.openai.com/v1/models");
 * ```
 */
export function createUpstreamClient(
  dialer: Dialer,
  caCerts: string[],
): UpstreamClient {
  const password = crypto.randomUUID() + crypto.randomUUID();
  const expected = `Basic ${btoa(`hop:${password}`)}`;
  const failures = new Map<string, { error: DialError; at: number }>();

  const conns = new Set<Deno.TcpConn>();
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serveHop = async (client: Deno.TcpConn) => {
    conns.add(client);
    let upstream: Deno.TcpConn | undefined;
    try {
      const head = await readHead(client);
      const req = head && parseConnect(head.text);
      if (!req || !tokensEqual(req.auth ?? "", expected)) {
        await client.write(encoder.encode("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"));
        return;
      }
      const [host, port] = req.target;
      try {
        const address = await dialer.resolve(host, port);
        upstream = await Deno.connect({ hostname: address, port });
        upstream.setNoDelay(true);
      } catch (err) {
        const error = err instanceof DialError
          ? err
          : new DialError("connect-failed", `${host}:${port}`, err);
        failures.set(`${host}:${port}`, { error, at: Date.now() });
        await client.write(encoder.encode("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n"));
        return;
      }
      conns.add(upstream);
      client.setNoDelay(true);
      await client.write(encoder.encode("HTTP/1.1 200 Connection Established\r\n\r\n"));
      if (head.rest.length > 0) await upstream.write(head.rest);
      const up = upstream;
      await copyBothWays(client, up);
    } catch {
      // a broken hop connection fails the fetch that used it
    } finally {
      for (const c of [client, upstream]) {
        if (!c) continue;
        conns.delete(c);
        try {
          c.close();
        } catch { /* already closed */ }
      }
    }
  };
  (async () => {
    for await (const conn of listener) serveHop(conn);
  })().catch(() => {});
  const port = (listener.addr as Deno.NetAddr).port;
  const client = withoutProxyEnv(() =>
    Deno.createHttpClient({
      caCerts,
      proxy: { url: `http://127.0.0.1:${port}`, basicAuth: { username: "hop", password } },
    })
  );

  return {
    fetch: (input, init) => fetch(input, { ...init, client }),
    lastFailure(host, p) {
      const f = failures.get(`${host}:${p}`);
      return f && Date.now() - f.at < 60_000 ? f.error : undefined;
    },
    close() {
      client.close();
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      return Promise.resolve();
    },
  };
}
