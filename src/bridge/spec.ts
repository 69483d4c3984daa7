/**
 * What the network bridge relays. With its own network namespace the command reaches
 * nothing but loopback; the bridge is how the few things it may reach get there:
 *
 * - **forward**: a port on the sandbox's `127.0.0.1` (and `::1`) whose connections are
 *   relayed to a UNIX socket in the session's bridge directory, served outside by
 *   airlock — the session proxy, and each `--allow-port N` (relayed to the host's
 *   `127.0.0.1:N` only);
 * - **reverse**: a UNIX socket the bridge serves in that directory, relayed to a port the
 *   command listens on inside (`--listen-port N`), which airlock serves on the host's
 *   `127.0.0.1:N`.
 *
 * The directory is never mounted in the sandbox: the bridge reaches it through a
 * descriptor the exec helper opened before the mounts hid airlock's directories.
 *
 * @module
 */

/** One relay. */
export interface BridgeRoute {
  /** The TCP port inside the sandbox. */
  port: number;
  /** The UNIX socket's name in the bridge directory. */
  socket: string;
}

/** The bridge's configuration, as the exec helper passes it. */
export interface BridgeSpec {
  /** The bridge directory (a host path, opened by the helper before it is hidden). */
  dir: string;
  /** Inside ports relayed to sockets airlock serves. */
  forward: BridgeRoute[];
  /** Sockets the bridge serves, relayed to inside ports. */
  reverse: BridgeRoute[];
}

/** The bridge's environment variable carrying its configuration (with `fd`). */
export const BRIDGE_ENV = "AIRLOCK_BRIDGE";

/** The socket name of the session proxy. */
export const PROXY_SOCKET = "proxy.sock";

/**
 * The socket name for `--allow-port N` (served by airlock, relayed to host port N).
 *
 * @param port The port.
 * @returns The name.
 */
export function connectSocket(port: number): string {
  return `connect-${port}.sock`;
}

/**
 * The socket name for `--listen-port N` (served by the bridge, relayed to the command).
 *
 * @param port The port.
 * @returns The name.
 */
export function listenSocket(port: number): string {
  return `listen-${port}.sock`;
}
