/**
 * Splicing two `node:net` sockets (CONNECT tunnels): bytes both ways, byte counts for the
 * audit record, and a failure on either side ends both.
 *
 * @module
 */

import type { Socket } from "node:net";

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
