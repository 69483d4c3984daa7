/**
 * An accept loop that never stops serving: an accept error (EMFILE, ENFILE,
 * ECONNABORTED…) is reported, then retried after a short backoff (doubling from 5 ms to
 * at most {@linkcode MAX_BACKOFF_MS}) instead of ending the loop, so the listener answers
 * again well within a second of the pressure ending. Only closing the listener ends it
 * (finding 1 of issue 10: `for await (const conn of listener)` ended on the first error
 * and nothing restarted it).
 *
 * @module
 */

/** The longest wait between two failed accepts, in milliseconds. */
export const MAX_BACKOFF_MS = 200;

/** What {@linkcode acceptLoop} calls. */
export interface AcceptHandlers<C extends Deno.Conn> {
  /** Gets each accepted connection (must not throw). */
  onConn(conn: C): void;
  /** Gets each accept error (must not throw). */
  onError(err: unknown): void;
  /** Whether the listener was closed on purpose (then errors end the loop). */
  closed(): boolean;
}

/**
 * Accepts connections until the listener is closed.
 *
 * @param listener The listener.
 * @param handlers Connection and error handlers.
 * @returns Settles when the listener has been closed.
 * @example
 * ```ts
 * import { acceptLoop } from "./accept_loop.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * let closed = false;
 * const done = acceptLoop(listener, { onConn: (c) => c.close(), onError: () => {}, closed: () => closed });
 * closed = true;
 * listener.close();
 * await done;
 * ```
 */
export async function acceptLoop<C extends Deno.Conn>(
  listener: Deno.Listener<C>,
  handlers: AcceptHandlers<C>,
): Promise<void> {
  let backoff = 0;
  for (;;) {
    let conn: C;
    try {
      conn = await listener.accept();
    } catch (err) {
      if (handlers.closed() || err instanceof Deno.errors.BadResource) return;
      handlers.onError(err);
      backoff = Math.min(backoff === 0 ? 5 : backoff * 2, MAX_BACKOFF_MS);
      await new Promise((ok) => setTimeout(ok, backoff));
      continue;
    }
    backoff = 0;
    handlers.onConn(conn);
  }
}

/**
 * A short name for an accept error: the errno code when there is one.
 *
 * @param err The error.
 * @returns E.g. `EMFILE`, or the error's name.
 */
export function acceptErrorName(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return code;
  const m = /os error (\d+)/.exec(String((err as Error)?.message ?? ""));
  const byErrno: Record<string, string> = {
    "23": "ENFILE",
    "24": "EMFILE",
    "103": "ECONNABORTED",
    "105": "ENOBUFS",
    "12": "ENOMEM",
  };
  if (m?.[1] && byErrno[m[1]]) return byErrno[m[1]]!;
  return err instanceof Error ? err.name : "Error";
}
