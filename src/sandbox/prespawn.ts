/**
 * Starts the exec helper before the plan exists, so its Deno start-up (≈ 20 ms) overlaps
 * the session proxy's start-up (`run_confined.ts` starts it right before the proxy); the
 * launcher hands it the plan later through a pipe (`plan_pipe.ts`).
 *
 * The helper is started exactly as the launcher would start it (`helper_command.ts`), but
 * with {@linkcode PLAN_FIFO_ENV} (a FIFO in a fresh 0700 directory) and
 * {@linkcode PLAN_PARENT_ENV} instead of the plan. It first arms its parent-death signal
 * and checks that airlock is still its parent, so it never outlives airlock, then opens
 * the FIFO, removes it and its directory, and waits for one line. airlock removes the
 * directory too once the helper has ended, in case the helper died before it could.
 *
 * Every path that does not launch the command must call {@linkcode discardPrespawned}
 * (`run_confined.ts` does when the proxy fails to start); an `unload` listener kills a
 * helper still waiting if something calls `Deno.exit` first. Linux only; elsewhere
 * nothing is prespawned.
 *
 * Keep the import graph tiny (no npm, no `node:*`).
 *
 * @module
 */

import { spawnHelper } from "./helper_command.ts";
import { PLAN_FIFO_ENV, PLAN_PARENT_ENV } from "./plan.ts";
import { closePlanPipe, createPlanPipe, sendOnPlanPipe, unreadOnPlanPipe } from "./plan_pipe.ts";

/** A helper started early and waiting for its plan. */
export class PrespawnedHelper {
  /** The helper process. */
  readonly child: Deno.ChildProcess;
  #dir: string;
  #fd: number;
  #sent = false;
  #closed = false;

  /**
   * Wraps a started helper.
   *
   * @param child The helper process.
   * @param dir The private directory holding the FIFO.
   * @param fd Both ends of the FIFO.
   */
  constructor(child: Deno.ChildProcess, dir: string, fd: number) {
    this.child = child;
    this.#dir = dir;
    this.#fd = fd;
  }

  /**
   * Hands the helper its plan. Never waits: the plan goes into the pipe's buffer, read by
   * the helper when it is ready (or never, if it died; {@linkcode finish} tells).
   *
   * @param planJson The plan as JSON (`""`: exit quietly).
   * @throws {Error} When the plan cannot be written (see `sendOnPlanPipe`).
   */
  send(planJson: string): void {
    if (this.#sent || this.#closed) throw new Error("Cannot send a plan twice");
    this.#sent = true;
    sendOnPlanPipe(this.#fd, planJson);
  }

  /**
   * After the helper has ended: whether it read the whole plan. Closes the pipe and
   * removes the directory (safe to call again; later calls return true).
   *
   * @returns False when the helper ended before reading its plan.
   */
  finish(): boolean {
    if (this.#closed) return true;
    this.#closed = true;
    let unread = 0;
    try {
      unread = unreadOnPlanPipe(this.#fd);
    } catch {
      // cannot tell; assume read
    }
    closePlanPipe(this.#fd);
    removeDir(this.#dir);
    return unread === 0;
  }

  /** Tells the helper to exit quietly (kills it if that fails), waits, and cleans up. */
  async discard(): Promise<void> {
    if (this.#closed) return;
    try {
      if (this.#sent) throw new Error("already sent");
      this.send("");
    } catch {
      killQuietly(this.child);
    }
    await this.child.status;
    this.finish();
  }

  /** Kills the helper and cleans up without waiting (for `unload`). */
  abandon(): void {
    if (this.#closed) return;
    killQuietly(this.child);
    this.finish();
  }
}

let pending: PrespawnedHelper | null = null;

/**
 * Starts the helper now, to be handed a plan by the launcher. Does nothing when a helper
 * is already waiting, off Linux, or when anything fails (the launcher then starts one the
 * usual way).
 *
 * Requires `--allow-run`, `--allow-env`, `--allow-ffi`, `--allow-read` and `--allow-write`
 * (the temporary directory).
 *
 * @example
 * ```ts ignore
 * prespawnHelper();
 * try { … } finally { await discardPrespawned(); }
 * ```
 */
export function prespawnHelper(): void {
  if (pending !== null || Deno.build.os !== "linux") return;
  let dir: string | undefined;
  let fd = -1;
  try {
    dir = Deno.makeTempDirSync({ prefix: "airlock-plan-" });
    Deno.chmodSync(dir, 0o700);
    const fifo = `${dir}/plan`;
    fd = createPlanPipe(fifo);
    const child = spawnHelper({ [PLAN_FIFO_ENV]: fifo, [PLAN_PARENT_ENV]: String(Deno.pid) });
    pending = new PrespawnedHelper(child, dir, fd);
    addEventListener("unload", abandonPending);
  } catch {
    if (fd >= 0) closePlanPipe(fd);
    if (dir !== undefined) removeDir(dir);
  }
}

/**
 * Takes the waiting helper, once.
 *
 * @returns The helper, or null when none was prespawned (or it was taken or discarded).
 */
export function takePrespawned(): PrespawnedHelper | null {
  const helper = pending;
  pending = null;
  return helper;
}

/**
 * Makes a helper that was not taken exit quietly, waits for it and removes its directory;
 * nothing when there is none.
 *
 * @returns When the helper is gone.
 */
export async function discardPrespawned(): Promise<void> {
  await takePrespawned()?.discard();
}

function abandonPending(): void {
  takePrespawned()?.abandon();
}

function killQuietly(child: Deno.ChildProcess): void {
  try {
    child.kill("SIGKILL");
  } catch {
    // already gone
  }
}

function removeDir(dir: string): void {
  try {
    Deno.removeSync(dir, { recursive: true });
  } catch {
    // already removed (the helper does it as soon as it has opened the FIFO)
  }
}
