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

import { createServer, type IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { ProxyError } from "../errors.ts";
import { type Dialer, DialError } from "./dialer.ts";
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

/**
 * Starts the hop and creates the client.
 *
 * @param dialer The checked dialer.
 * @param caCerts PEM certificates to trust (see {@linkcode readCaFiles}).
 * @returns The client.
 * @example
 * ```ts ignore
 * const client = await createUpstreamClient(dialer, readCaFiles(policy.network.upstreamCaFiles));
 * const res = await client.fetch("https://api.openai.com/v1/models");
 * ```
 */
export async function createUpstreamClient(
  dialer: Dialer,
  caCerts: string[],
): Promise<UpstreamClient> {
  const password = crypto.randomUUID() + crypto.randomUUID();
  const expected = `Basic ${btoa(`hop:${password}`)}`;
  const failures = new Map<string, { error: DialError; at: number }>();
  const sockets = new Set<Socket>();

  const hop = createServer((_req, res) => {
    res.writeHead(405).end();
  });
  hop.on("connect", async (req: IncomingMessage, client: Socket, head: Uint8Array) => {
    sockets.add(client);
    client.once("close", () => sockets.delete(client));
    client.on("error", () => client.destroy());
    const auth = req.headers["proxy-authorization"];
    const target = splitAuthority(req.url ?? "");
    if (typeof auth !== "string" || !tokensEqual(auth, expected) || !target) {
      client.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    const [host, port] = target;
    let upstream: Socket;
    try {
      upstream = await dialer.dial(host, port);
    } catch (err) {
      const error = err instanceof DialError ? err : new DialError("connect-failed", host, err);
      failures.set(`${host}:${port}`, { error, at: Date.now() });
      client.end("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    sockets.add(upstream);
    upstream.once("close", () => sockets.delete(upstream));
    client.setNoDelay(true);
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length > 0) upstream.write(head);
    splice(client, upstream);
  });
  await new Promise<void>((ok) => hop.listen(0, "127.0.0.1", ok));
  const address = hop.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const client = Deno.createHttpClient({
    caCerts,
    proxy: { url: `http://127.0.0.1:${port}`, basicAuth: { username: "hop", password } },
  });

  return {
    fetch: (input, init) => fetch(input, { ...init, client }),
    lastFailure(host, p) {
      const f = failures.get(`${host}:${p}`);
      return f && Date.now() - f.at < 60_000 ? f.error : undefined;
    },
    async close() {
      client.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((ok) => hop.close(() => ok()));
    },
  };
}
