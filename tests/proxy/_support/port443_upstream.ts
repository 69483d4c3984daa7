/**
 * The fake upstream reachable at ADDR:443, where ADDR is a random 127.x address, through
 * a relay: clients connect to the real port of HTTPS, as they do to a provider.
 *
 * @module
 */

import { createTestCa, type TestCa } from "./test_ca.ts";
import { type FakeUpstream, type FakeUpstreamOptions, startFakeUpstream } from "./fake_upstream.ts";

export interface Upstream {
  ca: TestCa;
  up: FakeUpstream;
  addr: string;
  close(): Promise<void>;
}

/** A relay from ADDR:443 (a random 127.x address) to a port on 127.0.0.1. */
export interface Relay443 {
  /** The address it listens on (port 443). */
  addr: string;
  /** Stops it and waits for its connections. */
  close(): Promise<void>;
}

/**
 * Relays ADDR:443 to `127.0.0.1:port`.
 *
 * @param port The target port.
 * @returns The relay.
 */
export function relay443(port: number): Relay443 {
  const rnd = crypto.getRandomValues(new Uint8Array(2));
  const addr = `127.${rnd[0]! % 250 + 2}.${rnd[1]! % 250 + 2}.9`;
  const listener = Deno.listen({ hostname: addr, port: 443 });
  const relays: Promise<unknown>[] = [];
  const loop = (async () => {
    for await (const conn of listener) {
      relays.push((async () => {
        try {
          const target = await Deno.connect({ hostname: "127.0.0.1", port });
          await Promise.allSettled([
            conn.readable.pipeTo(target.writable),
            target.readable.pipeTo(conn.writable),
          ]);
        } catch {
          conn.close();
        }
      })());
    }
  })().catch(() => {});
  return {
    addr,
    async close() {
      listener.close();
      await loop;
      await Promise.allSettled(relays);
    },
  };
}

/** Starts the fake upstream and its relay on ADDR:443. */
export async function startUpstream(
  options: FakeUpstreamOptions = { lockstep: true, chunks: 4 },
): Promise<Upstream> {
  const ca = await createTestCa();
  const up = startFakeUpstream(ca, options);
  const relay = relay443(up.port);
  return {
    ca,
    up,
    addr: relay.addr,
    async close() {
      await up.close();
      await relay.close();
      await Deno.remove(ca.dir, { recursive: true }).catch(() => {});
    },
  };
}

/** A TLS fake server reached at ADDR:443. */
export interface Fake443 {
  /** The relay address (port 443) to pin its host names to. */
  addr: string;
  /** Stops the server and the relay and removes the CA's directory. */
  close(): Promise<void>;
}

/**
 * Serves `handler` over TLS with the test CA's leaf (every host of `TEST_NAMES`) on
 * 127.0.0.1, relayed from ADDR:443 as a provider's host is reached.
 *
 * @param ca The test CA; its directory is removed on close.
 * @param handler The fake's handler.
 * @returns The relay address and a close.
 */
export function serveTls443(ca: TestCa, handler: Deno.ServeHandler<Deno.NetAddr>): Fake443 {
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: ca.certPem,
    key: ca.keyPem,
    onListen: () => {},
  }, handler);
  const relay = relay443(server.addr.port);
  return {
    addr: relay.addr,
    async close() {
      await server.shutdown();
      await relay.close();
      await Deno.remove(ca.dir, { recursive: true }).catch(() => {});
    },
  };
}
