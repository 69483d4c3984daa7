/**
 * The network bridge, inside the sandbox's namespaces: a small process the exec helper
 * starts before it confines itself (so Landlock and seccomp do not bind it), in a session
 * of its own (so signals for the sandbox's process group do not reach it). It listens on
 * the forwarded ports of the sandbox's loopback and relays each connection to its UNIX
 * socket in the bridge directory, which it reaches only through the descriptor it
 * inherited; for reverse routes it serves the socket and relays to the inside port. It
 * prints `ready` once every listener is up and lives until the namespace ends.
 *
 * The command cannot reach the bridge's memory, descriptors or `/proc` entries (Landlock
 * scoping and the `/proc` split), nor signal it; all it can do is connect to its ports.
 *
 * Keep the import graph tiny: it starts on every launch that needs it.
 *
 * @module
 */

import { copyBothWays } from "../proxy/copy.ts";
import { BRIDGE_ENV, type BridgeRoute } from "./spec.ts";

interface Config {
  fd: number;
  forward: BridgeRoute[];
  reverse: BridgeRoute[];
}

/** A path to a socket in the bridge directory, through the inherited descriptor. */
function socketPath(fd: number, name: string): string {
  return `/proc/self/fd/${fd}/${name}`;
}

async function serve(listener: Deno.Listener, dial: () => Promise<Deno.Conn>): Promise<void> {
  for await (const conn of listener) {
    dial().then((peer) => copyBothWays(conn, peer), () => conn.close()).catch(() => {});
  }
}

function listenBoth(port: number): Deno.Listener[] {
  const listeners = [Deno.listen({ hostname: "127.0.0.1", port })];
  try {
    listeners.push(Deno.listen({ hostname: "::1", port }));
  } catch {
    // no IPv6 loopback here
  }
  return listeners;
}

/**
 * Starts every relay, prints `ready`, and serves until the namespace ends.
 *
 * Requires `--allow-net`, `--allow-read` and `--allow-write` (the bridge directory).
 *
 * @param config The routes and the directory's descriptor.
 * @returns Never, normally.
 */
export async function bridgeMain(config: Config): Promise<void> {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"] as const) {
    Deno.addSignalListener(signal, () => {}); // only the namespace's end stops the bridge
  }
  const loops: Promise<void>[] = [];
  for (const route of config.forward) {
    const path = socketPath(config.fd, route.socket);
    for (const listener of listenBoth(route.port)) {
      loops.push(serve(listener, () => Deno.connect({ transport: "unix", path })));
    }
  }
  for (const route of config.reverse) {
    const listener = Deno.listen({ transport: "unix", path: socketPath(config.fd, route.socket) });
    loops.push(serve(listener, () => Deno.connect({ hostname: "127.0.0.1", port: route.port })));
  }
  await Deno.stdout.write(new TextEncoder().encode("ready\n"));
  Deno.stdout.close();
  await Promise.all(loops);
}

/**
 * The bridge process's entry: reads its configuration from `AIRLOCK_BRIDGE` and serves;
 * exits 125 with one line when it cannot.
 *
 * @returns When the bridge stops (normally never).
 */
export async function bridgeFromEnv(): Promise<void> {
  const config = JSON.parse(Deno.env.get(BRIDGE_ENV) ?? "null") as Config | null;
  if (config === null) {
    console.error(`airlock: the bridge needs ${BRIDGE_ENV}`);
    Deno.exit(125);
  }
  try {
    await bridgeMain(config);
  } catch (err) {
    console.error(
      `airlock: the network bridge failed: ${err instanceof Error ? err.message : err}`,
    );
    Deno.exit(125);
  }
}

if (import.meta.main) await bridgeFromEnv();
