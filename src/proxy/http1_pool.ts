/**
 * A keep-alive pool of upstream connections, keyed by `host:port`. Connections come from
 * a `connect` function (the pinned, checked TLS dial); idle ones are watched (a server
 * close removes them at once) and closed after an idle time limit.
 *
 * @module
 */

import { BufferedConn } from "./http1_conn.ts";

/** Opens a new connection to `host:port`. */
export type Connect = (host: string, port: number, signal?: AbortSignal) => Promise<Deno.Conn>;

/** Options of {@linkcode ConnectionPool}. */
export interface PoolOptions {
  /** Opens connections. */
  connect: Connect;
  /**
   * Idle connections kept per `host:port`.
   * @default 64
   */
  maxIdlePerKey?: number;
  /**
   * Milliseconds an idle connection is kept.
   * @default 30000
   */
  idleTimeoutMs?: number;
}

interface Idle {
  bc: BufferedConn;
  timer: ReturnType<typeof setTimeout>;
}

/** Keep-alive connections by `host:port`. */
export class ConnectionPool {
  #connect: Connect;
  #maxIdle: number;
  #idleMs: number;
  #idle = new Map<string, Idle[]>();
  #all = new Set<BufferedConn>();
  #closed = false;

  /**
   * @param options How to connect, and the idle limits.
   */
  constructor(options: PoolOptions) {
    this.#connect = options.connect;
    this.#maxIdle = options.maxIdlePerKey ?? 64;
    this.#idleMs = options.idleTimeoutMs ?? 30_000;
  }

  /** Connections open now (idle or in use). */
  get size(): number {
    return this.#all.size;
  }

  /**
   * Takes an idle connection to `host:port`, or opens one.
   *
   * @param host The host name.
   * @param port The port.
   * @param signal Aborts the connect.
   * @returns The connection, and whether it was reused.
   * @throws Whatever `connect` throws.
   */
  async acquire(
    host: string,
    port: number,
    signal?: AbortSignal,
  ): Promise<{ bc: BufferedConn; reused: boolean }> {
    if (this.#closed) throw new Error("Cannot connect upstream: the client is closed");
    const list = this.#idle.get(`${host}:${port}`);
    const idle = list?.pop();
    if (idle) {
      clearTimeout(idle.timer);
      idle.bc.used = false;
      return { bc: idle.bc, reused: true };
    }
    const conn = await this.#connect(host, port, signal);
    const bc = new BufferedConn(conn);
    if (this.#closed) {
      bc.close();
      throw new Error("Cannot connect upstream: the client is closed");
    }
    this.#all.add(bc);
    return { bc, reused: false };
  }

  /**
   * Gives a connection back after a complete exchange; it is kept if there is room.
   *
   * @param host The host name it was acquired for.
   * @param port The port.
   * @param bc The connection.
   */
  release(host: string, port: number, bc: BufferedConn): void {
    const key = `${host}:${port}`;
    let list = this.#idle.get(key);
    if (!list) this.#idle.set(key, list = []);
    if (this.#closed || bc.closed || bc.available > 0 || list.length >= this.#maxIdle) {
      this.discard(bc);
      return;
    }
    const entry: Idle = {
      bc,
      timer: setTimeout(() => this.#drop(key, entry), this.#idleMs),
    };
    list.push(entry);
    bc.watch(() => this.#drop(key, entry));
  }

  #drop(key: string, entry: Idle): void {
    const list = this.#idle.get(key);
    const i = list?.indexOf(entry) ?? -1;
    if (i < 0) return; // in use again
    list!.splice(i, 1);
    clearTimeout(entry.timer);
    this.discard(entry.bc);
  }

  /**
   * Closes a connection that cannot be reused.
   *
   * @param bc The connection.
   */
  discard(bc: BufferedConn): void {
    this.#all.delete(bc);
    bc.close();
  }

  /** Closes every connection, idle or in use; later acquires fail. */
  close(): void {
    this.#closed = true;
    for (const list of this.#idle.values()) for (const e of list) clearTimeout(e.timer);
    this.#idle.clear();
    for (const bc of this.#all) bc.close();
    this.#all.clear();
  }
}
