/**
 * The persistence guard's part in one `airlock run`: record the policy's protected paths
 * before the launch, hand the existing ones to the sandbox as read-only, and after the
 * session put back whatever differs, one line per path on stderr.
 *
 * @module
 */

import { AirlockError, EXIT_AIRLOCK_FAILED } from "../errors.ts";
import { stateDir } from "../state_dir.ts";
import { type GuardAction, restoreProtected, snapshotProtected } from "./guard.ts";

/** The guard of one session, from {@linkcode prepareProtect}. */
export interface SessionProtect {
  /** Protected paths that exist now and are not links: bound read-only in the sandbox. */
  readOnlyPaths: string[];
  /**
   * Puts back every protected path the session changed (call once everything it started
   * has ended) and prints one line per path.
   *
   * @param accept `--accept-guarded`: keep the session's versions.
   * @returns What was done.
   */
  afterExit(accept: boolean): GuardAction[];
}

/**
 * Records the protected paths of a policy.
 *
 * @param protect The policy's `protect` list (absolute paths).
 * @param sessionId Names the directory the session's versions are moved to.
 * @returns The session's guard, or null when nothing is protected.
 * @throws {AirlockError} When the paths cannot be recorded (exit 125).
 */
export function prepareProtect(
  protect: readonly string[] | undefined,
  sessionId: string | null | undefined,
): SessionProtect | null {
  if (!protect || protect.length === 0) return null;
  let snapshot: ReturnType<typeof snapshotProtected>;
  try {
    snapshot = snapshotProtected(protect);
  } catch (err) {
    throw new AirlockError(
      `Cannot record the profile's protected paths: ${err instanceof Error ? err.message : err}`,
      EXIT_AIRLOCK_FAILED,
      { hint: "remove the path from filesystem.protect in the profile, or make it smaller" },
    );
  }
  const readOnlyPaths = [...snapshot.paths]
    .filter(([, rec]) => rec.kind === "file" || rec.kind === "dir")
    .map(([path]) => path);
  const keepDir = `${stateDir()}/protected/${sessionId ?? crypto.randomUUID()}`;
  return {
    readOnlyPaths,
    afterExit(accept) {
      const actions = restoreProtected(snapshot, { keepDir, accept });
      for (const line of describeActions(actions, accept)) console.error(line);
      return actions;
    },
  };
}

/**
 * One line per guard action, as printed after a session.
 *
 * @param actions From {@linkcode restoreProtected}.
 * @param accepted Whether `--accept-guarded` kept them.
 * @returns The lines.
 * @example
 * ```ts
 * import { describeActions } from "./run.ts";
 * const [line = ""] = describeActions([{ path: "/h/.codex/config.toml", change: "changed", keptAt: "/s/0-config.toml" }], false);
 * console.assert(line.includes("restored") && line.includes("/s/0-config.toml"));
 * ```
 */
export function describeActions(actions: readonly GuardAction[], accepted: boolean): string[] {
  return actions.map(({ path, change, keptAt, error }) => {
    if (accepted) {
      return `airlock: protected: the session ${change} ${path}; kept (--accept-guarded)`;
    }
    const put = change === "created" ? "removed it" : "restored it";
    if (error) {
      return `airlock: protected: the session ${change} ${path}; cannot put it back: ${error}`;
    }
    const kept = keptAt ? `; the session's version is in ${keptAt}` : "";
    return `airlock: protected: the session ${change} ${path}; ${put}${kept} (--accept-guarded keeps it)`;
  });
}
