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

/** Starts the fake upstream and its relay on ADDR:443. */
export async function startUpstream(
  options: FakeUpstreamOptions = { lockstep: true, chunks: 4 },
): Promise<Upstream> {
  const ca = await createTestCa();
  const up = startFakeUpstream(ca, options);
  const rnd = crypto.getRandomValues(new Uint8Array(2));
  const addr = `127.${rnd[0]! % 250 + 2}.${rnd[1]! % 250 + 2}.9`;
  const listener = Deno.listen({ hostname: addr, port: 443 });
  const relays: Promise<unknown>[] = [];
  const loop = (async () => {
    for await (const conn of listener) {
      relays.push((async () => {
        try {
          const target = await Deno.connect({ hostname: "127.0.0.1", port: up.port });
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
    ca,
    up,
    addr,
    async close() {
      listener.close();
      await loop;
      await up.close();
      await Promise.allSettled(relays);
      await Deno.remove(ca.dir, { recursive: true }).catch(() => {});
    },
  };
}
