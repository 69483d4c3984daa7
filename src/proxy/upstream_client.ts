/**
 * The upstream HTTPS client: Deno's fetch, with TLS verifying the URL's host name,
 * trusting the system roots plus `--upstream-ca` files, whose TCP connections all go
 * through the in-process SOCKS5 hop (`socks_hop.ts`) that only the proxy can use and
 * that dials through the checked {@linkcode Dialer}. The socket thus goes to exactly
 * the address the dialer checked, while TLS is verified end to end by the client, and
 * nothing of the hop appears in an HTTP request.
 *
 * `Deno.createHttpClient({ proxy: { transport: "tcp" } })` is never used: it sends
 * `https://` requests as plaintext.
 *
 * @module
 */

import type { Socket } from "node:net";
import { ProxyError } from "../errors.ts";
import type { Dialer, DialError } from "./dialer.ts";
import { startSocksHop } from "./socks_hop.ts";

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

/**
 * How long a tunnel stays open after one side ended (sent FIN) while nothing flows the
 * other way, in ms. A client that half-closes and waits for an answer gets it as long as
 * bytes keep coming; a tunnel whose client went away (a process that exited during its
 * TLS handshake) ends instead of waiting for the upstream's own timeout, often a minute.
 */
export const HALF_CLOSED_IDLE_MS = 5_000;

/**
 * Pipes two sockets into each other and destroys both when either ends badly, or when
 * one has ended and the other sends nothing for {@linkcode HALF_CLOSED_IDLE_MS}.
 *
 * @param a One socket.
 * @param b The other.
 * @param onClose Called once when both are closed, with bytes a→b and b→a.
 * @param idleMs The half-closed idle limit (tests shorten it).
 */
export function splice(
  a: Socket,
  b: Socket,
  onClose?: (aToB: number, bToA: number) => void,
  idleMs: number = HALF_CLOSED_IDLE_MS,
): void {
  let up = 0;
  let down = 0;
  let closed = 0;
  let idle: ReturnType<typeof setTimeout> | undefined;
  const end = () => {
    a.destroy();
    b.destroy();
  };
  // After one side's FIN, each chunk from the other side restarts the idle clock.
  const watch = (other: Socket) => () => {
    const restart = () => {
      clearTimeout(idle);
      idle = setTimeout(end, idleMs);
    };
    restart();
    other.on("data", restart);
  };
  a.on("data", (c: Uint8Array) => up += c.length);
  b.on("data", (c: Uint8Array) => down += c.length);
  a.once("end", watch(b));
  b.once("end", watch(a));
  const done = () => {
    if (++closed === 2) {
      clearTimeout(idle);
      onClose?.(up, down);
    }
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
 * @param targets The `host:port` authorities the client may reach (the route upstreams),
 *   with their connect time limits.
 * @returns The client.
 * @example
 * ```ts ignore
 * const client = createUpstreamClient(dialer, readCaFiles([]), new Map([["api.openai.com:443", undefined]]));
 * const res = await client.fetch("https://api.openai.com/v1/models");
 * ```
 */
export function createUpstreamClient(
  dialer: Dialer,
  caCerts: string[],
  targets: ReadonlyMap<string, number | undefined>,
): UpstreamClient {
  const hop = startSocksHop({ dialer, targets });
  const client = withoutProxyEnv(() => Deno.createHttpClient({ caCerts, proxy: { url: hop.url } }));
  return {
    fetch: (input, init) => fetch(input, { ...init, client }),
    lastFailure: (host, port) => hop.lastFailure(host, port),
    close() {
      client.close();
      hop.close();
      return Promise.resolve();
    },
  };
}
