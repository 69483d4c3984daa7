/**
 * A test stand-in for the sandbox's bridge: a listener on 127.0.0.1:PORT that pipes each
 * connection to a UNIX socket, as the bridge inside the sandbox's network namespace does
 * for a proxy that listens on a UNIX socket.
 *
 * @module
 */

/** A running bridge. */
export interface Bridge {
  /** The port on 127.0.0.1. */
  port: number;
  close(): void;
}

/**
 * Starts a bridge to `path` (connected per connection, so the socket may appear later).
 *
 * @param path The UNIX socket to reach.
 * @returns The bridge.
 */
export function startBridge(path: string): Bridge {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const close = (c: Deno.Conn) => {
    conns.delete(c);
    try {
      c.close();
    } catch { /* closed */ }
  };
  const pipe = async (from: Deno.Conn, to: Deno.Conn) => {
    const buf = new Uint8Array(16 * 1024);
    try {
      for (;;) {
        const n = await from.read(buf);
        if (n === null) break;
        let off = 0;
        while (off < n) off += await to.write(buf.subarray(off, n));
      }
      await to.closeWrite();
    } catch {
      close(from);
      close(to);
    }
  };
  (async () => {
    for await (const outside of listener) {
      conns.add(outside);
      Deno.connect({ transport: "unix", path }).then(async (inside) => {
        conns.add(inside);
        await Promise.all([pipe(outside, inside), pipe(inside, outside)]);
        close(inside);
        close(outside);
      }, () => close(outside));
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    close() {
      listener.close();
      for (const c of [...conns]) close(c);
    },
  };
}
