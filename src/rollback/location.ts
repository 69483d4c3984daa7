/**
 * Keeping the rollback store and the audit logs out of the agent's reach: both live in
 * airlock's state directory, and a run whose grants reach into it (or lie inside it) is
 * refused before anything is snapshotted — an agent that could write the store could
 * forge the snapshot it is restored from, and one that could read it could read other
 * workdirs' snapshots.
 *
 * @module
 */

import { RollbackError } from "../errors.ts";
import type { Policy } from "../policy/types.ts";

/** Whether `path` is `dir` or lies beneath it. */
function isWithin(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith("/") ? dir : `${dir}/`);
}

/**
 * Refuses a policy whose grants reach one of `dirs`.
 *
 * @param policy The resolved policy.
 * @param dirs Absolute directories that must stay outside every grant.
 * @throws {RollbackError} (exit 125) Naming the grant and the directory.
 * @example
 * ```ts
 * import { checkOutsideGrants } from "./location.ts";
 * const policy = { paths: [{ path: "/home/a/proj", access: ["read", "write"], origin: "workdir" }] };
 * checkOutsideGrants(policy as never, ["/home/a/.local/state/airlock/rollback"]); // fine
 * let refused = false;
 * try {
 *   checkOutsideGrants({ paths: [{ path: "/home/a", access: ["read"], origin: "--read" }] } as never, ["/home/a/.local/state/airlock/rollback"]);
 * } catch { refused = true; }
 * console.assert(refused);
 * ```
 */
export function checkOutsideGrants(policy: Pick<Policy, "paths">, dirs: readonly string[]): void {
  for (const dir of dirs) {
    for (const rule of policy.paths) {
      if (isWithin(dir, rule.path) || isWithin(rule.path, dir)) {
        throw new RollbackError(
          `Cannot keep a rollback snapshot: ${dir} lies within the grant ${rule.path} (${rule.origin}), where the command could alter it`,
          undefined,
          {
            hint:
              "set XDG_STATE_HOME to a directory outside every grant, or run with --no-rollback",
          },
        );
      }
    }
  }
}
