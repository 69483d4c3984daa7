/**
 * airlock's side of the network bridge, in its own (host) network namespace: for each
 * forwarded route a UNIX socket in the session's bridge directory whose connections go
 * to a host loopback port (`--allow-port N` → `127.0.0.1:N`), and for each reverse route
 * a listener on the host's `127.0.0.1:N` whose connections go to the socket the bridge
 * serves inside (`--listen-port N`). The directory is 0700 and outside every grant.
 *
 * Requires `--allow-net` and `--allow-read`/`--allow-write` on the bridge directory.
 *
 * @module
 */

import { copyBothWays } from "../proxy/copy.ts";
import { SandboxSetupError } from "../errors.ts";

/** A relay airlock runs for a session. */
export interface OutsideRoute {
  /** The UNIX socket's name in the bridge directory. */
  socket: string;
  /** The host loopback port. */
  port: number;
  /** `connect`: socket → host port; `listen`: host port → socket. */
  direction: "connect" | "listen";
}

/** The running relays. */
export interface OutsideBridge {
  /** Stops listening and closes every relayed connection. */
  close(): void;
}

/**
 * Starts the relays.
 *
 * @param dir The bridge directory, as a path short enough for socket addresses (108
 *   bytes): the launch passes `/proc/self/fd/N` with the directory open as N.
 * @param routes The relays.
 * @returns A handle that stops them.
 * @throws {SandboxSetupError} When a socket or a host port cannot be listened on.
 */
export function startOutsideBridge(dir: string, routes: readonly OutsideRoute[]): OutsideBridge {
  const listeners: Deno.Listener[] = [];
  const conns = new Set<Deno.Conn>();
  const track = (conn: Deno.Conn) => {
    conns.add(conn);
    return conn;
  };
  try {
    for (const route of routes) {
      const path = `${dir}/${route.socket}`;
      const listener = route.direction === "connect"
        ? Deno.listen({ transport: "unix", path })
        : Deno.listen({ hostname: "127.0.0.1", port: route.port });
      listeners.push(listener);
      const dial = route.direction === "connect"
        ? () => Deno.connect({ hostname: "127.0.0.1", port: route.port })
        : () => Deno.connect({ transport: "unix", path });
      (async () => {
        for await (const conn of listener) {
          track(conn);
          dial().then(
            (peer) => copyBothWays(conn, track(peer)).finally(() => conns.delete(peer)),
            () => conn.close(),
          ).catch(() => {}).finally(() => conns.delete(conn));
        }
      })().catch(() => {});
    }
  } catch (err) {
    for (const l of listeners) l.close();
    const what = err instanceof Error ? err.message : String(err);
    throw new SandboxSetupError(`Cannot start the network bridge: ${what}`, {
      cause: err,
      hint: "a --listen-port must be free on the host's 127.0.0.1",
    });
  }
  return {
    close() {
      for (const l of listeners) {
        try {
          l.close();
        } catch { /* closed */ }
      }
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
    },
  };
}
