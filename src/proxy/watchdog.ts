/**
 * One coarse timer for every upstream exchange's time limits (headers, idle body, total)
 * instead of a `setTimeout` per request and per chunk: creating and clearing a Deno timer
 * costs ~4.5 µs, several per request were ~3 % of the proxy's CPU per request. A tick
 * every {@linkcode TICK_MS} checks the deadlines, so a limit fires up to one tick late.
 *
 * @module
 */

/** Milliseconds between two checks of the deadlines. */
export const TICK_MS = 100;

/** One watched exchange. */
export interface Watch {
  /** Deadline (ms since the epoch) of the current phase, or Infinity. */
  deadline: number;
  /** Milliseconds of silence allowed between two body chunks (0: not in the body yet). */
  idleMs: number;
  /** Time (ms since the epoch) of the last body chunk. */
  last: number;
  /** Called once when a limit passes, with which one. */
  onExpire: (which: "deadline" | "idle") => void;
}

/** Watches exchanges against their deadlines with one interval timer. */
export class Watchdog {
  #active = new Set<Watch>();
  #timer: ReturnType<typeof setInterval> | undefined;

  /**
   * Starts watching.
   *
   * @param w The exchange's limits and callback.
   * @returns `w`, for {@linkcode Watchdog.release}.
   * @example
   * ```ts
   * import { Watchdog } from "./watchdog.ts";
   * const dog = new Watchdog();
   * const fired: string[] = [];
   * const w = dog.watch({ deadline: Date.now() + 10, idleMs: 0, last: 0, onExpire: (x) => fired.push(x) });
   * await new Promise((ok) => setTimeout(ok, 250));
   * dog.release(w);
   * console.assert(fired[0] === "deadline");
   * ```
   */
  watch(w: Watch): Watch {
    this.#active.add(w);
    if (this.#timer === undefined) {
      // Not unref'd: a pending exchange keeps the process alive, as its own timer would;
      // the interval stops when the last exchange is released.
      this.#timer = setInterval(() => this.#tick(), TICK_MS);
    }
    return w;
  }

  /**
   * Stops watching.
   *
   * @param w The exchange.
   */
  release(w: Watch): void {
    this.#active.delete(w);
    if (this.#active.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #tick(): void {
    const now = Date.now();
    for (const w of this.#active) {
      const which = now >= w.deadline
        ? "deadline"
        : w.idleMs > 0 && now - w.last >= w.idleMs
        ? "idle"
        : undefined;
      if (which === undefined) continue;
      this.release(w);
      w.onExpire(which);
    }
  }
}
