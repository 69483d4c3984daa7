/**
 * Byte copying between two Deno connections with one reused buffer per direction:
 * no allocation per chunk (unlike `readable.pipeTo`, whose reads each allocate a fresh
 * buffer that lingers until garbage collection), so hundreds of concurrent streams stay
 * small. A direction starts with a small buffer and moves to a large one the first time
 * a read fills it: an idle direction (the request side of an SSE stream) or one carrying
 * small messages keeps 2 KiB instead of 16 KiB.
 *
 * @module
 */

/** Size of each direction's first copy buffer. */
export const SMALL_BUFFER_BYTES = 2 * 1024;

/** Size of a direction's buffer once a read has filled the small one. */
export const LARGE_BUFFER_BYTES = 16 * 1024;

function closeQuietly(c: Deno.Conn): void {
  try {
    c.close();
  } catch { /* already closed */ }
}

async function copyOneWay(
  from: Deno.Conn,
  to: Deno.Conn,
  onData?: () => void,
): Promise<number> {
  let buf = new Uint8Array(SMALL_BUFFER_BYTES);
  let total = 0;
  try {
    for (;;) {
      const n = await from.read(buf);
      if (n === null) break;
      onData?.();
      let off = 0;
      while (off < n) off += await to.write(buf.subarray(off, n));
      total += n;
      if (n === buf.length && n < LARGE_BUFFER_BYTES) buf = new Uint8Array(LARGE_BUFFER_BYTES);
    }
    await to.closeWrite();
  } catch {
    // Either side broke: close both so the other direction's read returns too.
    closeQuietly(from);
    closeQuietly(to);
  }
  return total;
}

/**
 * Copies bytes both ways until both directions end; an end of input is passed on as a
 * half-close, a failure closes both connections.
 *
 * @param a One connection.
 * @param b The other.
 * @param onData Called on every read (idle tracking).
 * @returns Bytes copied a→b and b→a.
 * @example
 * ```ts ignore
 * const [up, down] = await copyBothWays(clientConn, upstreamConn);
 * ```
 */
export async function copyBothWays(
  a: Deno.Conn,
  b: Deno.Conn,
  onData?: () => void,
): Promise<[number, number]> {
  return await Promise.all([copyOneWay(a, b, onData), copyOneWay(b, a, onData)]);
}
