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
import { O_CLOEXEC, O_DIRECTORY, O_PATH } from "../../ffi/libc.ts";
import { openAt } from "../sandbox/syscalls.ts";
import { closeFd } from "../sandbox/process/pipe.ts";

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
 * Starts the relays. Sockets are reached through `/proc/self/fd/N/NAME` with the bridge
 * directory open as N, so a long state directory never exceeds a socket address's
 * 108 bytes.
 *
 * @param dir The bridge directory.
 * @param routes The relays.
 * @returns A handle that stops them.
 * @throws {SandboxSetupError} When a socket or a host port cannot be listened on.
 */
export function startOutsideBridge(dir: string, routes: readonly OutsideRoute[]): OutsideBridge {
  const listeners: Deno.Listener[] = [];
  const dirFd = dir.length > SHORT_PATH_LIMIT ? openDirectory(dir) : -1;
  const short = dirFd < 0 ? dir : `/proc/self/fd/${dirFd}`;
  const conns = new Set<Deno.Conn>();
  const track = (conn: Deno.Conn) => {
    conns.add(conn);
    return conn;
  };
  try {
    for (const route of routes) {
      const path = `${short}/${route.socket}`;
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
    if (dirFd >= 0) closeFd(dirFd);
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
      if (dirFd >= 0) closeFd(dirFd);
    },
  };
}

/** Socket paths longer than this go through the directory's descriptor (limit: 107). */
const SHORT_PATH_LIMIT = 80;

/** The directory as an `O_PATH` descriptor (close-on-exec), for short socket paths. */
function openDirectory(dir: string): number {
  const fd = openAt(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw new SandboxSetupError(`Cannot open the bridge directory: errno ${-fd}`);
  return fd;
}
