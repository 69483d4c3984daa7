/**
 * Rollback around one `airlock run`: {@linkcode prepareRollback} snapshots the workdir
 * before the command starts and records the snapshot's Merkle root in the session's
 * audit log; {@linkcode RollbackRun.afterExit}, called once the command has exited and
 * nothing of the sandbox runs any more, records the tree the run left, lets the guard
 * put back guarded paths, and prints the summary.
 *
 * @module
 */

import { newSessionId, sessionsDir } from "../audit/session_log.ts";
import { openRollbackLog } from "./audit_records.ts";
import { formatError, UsageError } from "../errors.ts";
import type { Policy } from "../policy/types.ts";
import { diffEntries } from "./diff.ts";
import { baseRules } from "./exclusions.ts";
import { applyGuard, guardedChanges } from "./guard.ts";
import { DEFAULT_GUARD, GuardMatcher } from "./guard_patterns.ts";
import { checkOutsideGrants } from "./location.ts";
import { terminalProgress } from "./progress.ts";
import { takeSnapshot } from "./snapshot.ts";
import { rollbackRoot, Store, storeDirFor } from "./store.ts";
import { formatSummary } from "./summary.ts";
import { formatBytes } from "./budget.ts";
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_FILES, type RollbackPolicy } from "./types.ts";

/** The run flags that concern rollback. */
export interface RollbackFlags {
  /** `--rollback` (true) or `--no-rollback` (false); undefined: the profile decides. */
  rollback?: boolean;
  /** `--accept-guarded`: keep the agent's versions of guarded paths. */
  acceptGuarded?: boolean;
}

/** A run with a snapshot taken. */
export interface RollbackRun {
  /** The audit session (the proxy, if any, records into the same one). */
  sessionId: string;
  /** The snapshot id. */
  snapshotId: string;
  /**
   * Records what the run left, applies the guard, prints the summary.
   *
   * @param status The command's exit status.
   * @returns The status to exit with: the command's, or 125 when the guard failed after
   *   a command that succeeded.
   */
  afterExit(status: number): Promise<number>;
}

/**
 * Whether a run takes a snapshot: the flag, else the profile.
 *
 * @param policy The policy.
 * @param flags The run flags.
 * @returns True when rollback is on.
 * @example
 * ```ts
 * import { rollbackWanted } from "./run.ts";
 * console.assert(rollbackWanted({} as never, { rollback: true }));
 * console.assert(!rollbackWanted({ rollback: { enabled: true } } as never, { rollback: false }));
 * ```
 */
export function rollbackWanted(policy: Pick<Policy, "rollback">, flags: RollbackFlags): boolean {
  return flags.rollback ?? policy.rollback?.enabled ?? false;
}

/** The policy's rollback settings, or the defaults. */
function settings(policy: Policy): RollbackPolicy {
  return policy.rollback ?? {
    enabled: false,
    exclude: [],
    guard: [],
    maxFiles: DEFAULT_MAX_FILES,
    maxBytes: DEFAULT_MAX_BYTES,
  };
}

/**
 * Snapshots the workdir before a run, when rollback is on.
 *
 * Requires `--allow-read`, `--allow-write` (workdir, state directory), `--allow-env`,
 * `--allow-ffi` (one-call flush).
 *
 * @param policy The resolved policy.
 * @param flags The run flags.
 * @param options The launch's session id (the audit log the launch and the proxy share;
 *   a new one when absent), whether the sandbox hides the state directory, and the
 *   environment (state directory).
 * @returns The run's rollback, or null when rollback is off.
 * @throws {UsageError} When `--rollback` is combined with `--no-workdir`.
 * @throws {RollbackError} When the store is inside a grant, over budget, or newer.
 * @example Around a launch
 * ```ts ignore
 * const rollback = await prepareRollback(policy, { rollback: true }, { sessionId: launch.sessionId });
 * const status = await launch.run();
 * return rollback ? await rollback.afterExit(status) : status;
 * ```
 */
export function prepareRollback(
  policy: Policy,
  flags: RollbackFlags,
  options: {
    sessionId?: string | null;
    /** The sandbox hides airlock's state directory whatever the grants (mount namespace). */
    stateHidden?: boolean;
    env?: Record<string, string | undefined>;
  } = {},
): Promise<RollbackRun | null> {
  const env = options.env ?? Deno.env.toObject();
  if (!rollbackWanted(policy, flags)) return Promise.resolve(null);
  const workdir = policy.workdir;
  if (workdir === null) {
    if (flags.rollback) {
      throw new UsageError("Cannot combine --rollback with --no-workdir: there is no workdir", {
        hint: "drop --no-workdir, or run with --no-rollback",
      });
    }
    return Promise.resolve(null);
  }
  const conf = settings(policy);
  if (!options.stateHidden) checkOutsideGrants(policy, [rollbackRoot(env), sessionsDir(env)]);
  const store = Store.open(storeDirFor(workdir, env), workdir, true);
  store.lock(false);
  const guard = new GuardMatcher([...DEFAULT_GUARD, ...conf.guard]);
  const sessionId = options.sessionId ?? newSessionId();
  const progress = terminalProgress();
  let before;
  try {
    before = takeSnapshot({
      store,
      kind: "before",
      rules: baseRules(conf.exclude, [...guard.patterns]),
      liveRules: true,
      guard,
      base: store.latest(),
      budget: { maxFiles: conf.maxFiles, maxBytes: conf.maxBytes },
      session: sessionId,
      profile: policy.profile,
      onProgress: (p) => progress.update(p),
    });
  } catch (err) {
    store.close();
    throw err;
  } finally {
    progress.done();
  }
  const log = openRollbackLog(
    {
      id: sessionId,
      started: new Date().toISOString(),
      port: 0,
      routes: [],
      profile: policy.profile,
    },
    workdir,
    env,
  );
  const record = (r: Parameters<typeof log.write>[0]) => log.write(r);
  const s = before.stats;
  record({
    event: "snapshot",
    snapshot: before.id,
    root: before.root,
    detail: `${s.files} files, ${s.bytes} bytes, read ${s.read}, stored ${s.stored}`,
  });
  console.error(
    `airlock: rollback snapshot ${before.id}: ${s.files} files, ${
      formatBytes(s.bytes)
    } (read ${s.read} changed, ${s.ms} ms)`,
  );

  return Promise.resolve({
    sessionId,
    snapshotId: before.id,
    afterExit(status: number): Promise<number> {
      try {
        const after = takeSnapshot({
          store,
          kind: "after",
          of: before.id,
          rules: before.rules,
          liveRules: false,
          guard,
          base: before,
          session: sessionId,
          profile: policy.profile,
          status,
          commit: false,
          maxStoreBytes: conf.maxBytes,
        });
        const changes = diffEntries(before.entries, after.entries);
        const guarded = applyGuard(
          store,
          before,
          guardedChanges(changes, guard),
          flags.acceptGuarded === true,
        );
        after.guarded = guarded;
        store.writeManifest(after);
        record({
          event: "after",
          snapshot: before.id,
          root: after.root,
          detail: `exit ${status}, ${changes.length} changes`,
        });
        for (const g of guarded) {
          record({
            event: g.action === "restored" ? "guard-restored" : "guard-accepted",
            snapshot: before.id,
            path: g.path,
            detail: g.change,
          });
        }
        for (const line of formatSummary(before.id, changes, guarded)) console.error(line);
        return Promise.resolve(status);
      } catch (err) {
        console.error(formatError(err));
        console.error(
          `airlock: the workdir may hold changes the guard did not undo: airlock rollback restore ${before.id}`,
        );
        return Promise.resolve(status === 0 ? 125 : status);
      } finally {
        store.close();
        log.close();
      }
    },
  });
}
