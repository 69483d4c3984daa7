/**
 * The checked dialer: resolves an upstream host itself (pins first, then DNS with a
 * time limit), refuses addresses on the deny list, and opens the TCP connection to
 * exactly the address it checked. Every upstream byte of the proxy goes through it.
 *
 * @module
 */

import { connect, type Socket } from "node:net";
import { addressDenyReason, type CidrRange, parseIp } from "./address_guard.ts";
import { normalizeHost, type PinTable } from "./pins.ts";

/** Why a dial was refused or failed; `reason` is safe for the audit log. */
export class DialError extends Error {
  /** `denied-address`, `unresolvable` or `connect-failed`. */
  readonly kind: "denied-address" | "unresolvable" | "connect-failed";
  /** Short machine-readable detail, e.g. `private 10.0.0.5`. */
  readonly reason: string;

  /**
   * @param kind The failure class.
   * @param reason The detail.
   * @param cause The underlying error.
   */
  constructor(kind: DialError["kind"], reason: string, cause?: unknown) {
    super(`Cannot connect upstream: ${kind}: ${reason}`, cause === undefined ? {} : { cause });
    this.name = "DialError";
    this.kind = kind;
    this.reason = reason;
  }
}

/** Looks up the addresses of a host name. */
export type Lookup = (host: string, signal: AbortSignal) => Promise<string[]>;

/** What the dialer needs. */
export interface DialerOptions {
  /** `--resolve` pins. */
  pins: PinTable;
  /** Ranges allowed although private. */
  allowRanges: readonly CidrRange[];
  /**
   * Time limit for DNS look-ups, in milliseconds.
   * @default 5000
   */
  resolveTimeoutMs?: number;
  /**
   * Time limit for the TCP connect, in milliseconds.
   * @default 10000
   */
  connectTimeoutMs?: number;
  /** DNS look-up (defaults to `Deno.resolveDns` A then AAAA, which also reads /etc/hosts). */
  lookup?: Lookup;
}

/** A dialer bound to one session's pins and ranges. */
export interface Dialer {
  /**
   * Resolves and checks `host:port`.
   * @throws {DialError} When unresolvable or refused.
   */
  resolve(host: string, port: number): Promise<string>;
  /**
   * Resolves, checks and connects; the socket is connected when the promise settles.
   * @throws {DialError} When refused or the connect fails.
   */
  dial(host: string, port: number): Promise<Socket>;
}

async function defaultLookup(host: string, signal: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  for (const type of ["A", "AAAA"] as const) {
    try {
      out.push(...await Deno.resolveDns(host, type, { signal }));
    } catch (err) {
      if (signal.aborted) throw err;
    }
  }
  return out;
}

/**
 * Creates a checked dialer.
 *
 * @param options Pins, allowed ranges and time limits.
 * @returns The dialer.
 * @example Pinned hosts may be private
 * ```ts
 * import { createDialer } from "./dialer.ts";
 * import { parsePins } from "./pins.ts";
 * const dialer = createDialer({ pins: parsePins(["x.test:443:127.0.0.1"]), allowRanges: [] });
 * console.assert(await dialer.resolve("x.test", 443) === "127.0.0.1");
 * await dialer.resolve("127.0.0.1", 443).then(() => { throw new Error("allowed"); }, () => {});
 * ```
 */
export function createDialer(options: DialerOptions): Dialer {
  const lookup = options.lookup ?? defaultLookup;
  const resolveTimeoutMs = options.resolveTimeoutMs ?? 5000;
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;

  async function resolve(rawHost: string, port: number): Promise<string> {
    const host = normalizeHost(rawHost);
    const pinned = options.pins.get(`${host}:${port}`);
    if (pinned && pinned[0]) return pinned[0];
    let candidates: string[];
    const literal = parseIp(host);
    if (literal) {
      // An address in any spelling (2130706433, 0x7f.1, ::ffff:a.b.c.d) is that address.
      candidates = [literal.length === 4 ? literal.join(".") : host];
    } else {
      try {
        candidates = await lookup(host, AbortSignal.timeout(resolveTimeoutMs));
      } catch (err) {
        throw new DialError("unresolvable", `${host} (lookup failed)`, err);
      }
      if (candidates.length === 0) throw new DialError("unresolvable", `${host} (no address)`);
    }
    let firstReason = "";
    for (const addr of candidates) {
      const reason = addressDenyReason(addr, options.allowRanges);
      if (reason === null) return addr;
      firstReason ||= `${reason} ${addr}`;
    }
    throw new DialError("denied-address", `${host} resolves to ${firstReason}`);
  }

  async function dial(host: string, port: number): Promise<Socket> {
    const address = await resolve(host, port);
    return await new Promise<Socket>((ok, fail) => {
      const socket = connect({ host: address, port });
      const timer = setTimeout(() => {
        socket.destroy();
        fail(new DialError("connect-failed", `${normalizeHost(host)}:${port} (timed out)`));
      }, connectTimeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.setNoDelay(true);
        ok(socket);
      });
      socket.once("error", (err) => {
        clearTimeout(timer);
        fail(new DialError("connect-failed", `${normalizeHost(host)}:${port}`, err));
      });
    });
  }

  return { resolve, dial };
}
