/**
 * airlock's state directory (audit logs, sessions' runtime directories with the bridge's
 * sockets and private `/tmp`, rollback snapshots) must be out of every sandbox's reach.
 * With the Linux mount namespace it is hidden whatever the grants say; without it (best
 * effort, or macOS) a grant that contains it or lies inside it is refused at launch.
 *
 * @module
 */

import { SandboxSetupError } from "../errors.ts";
import { isWithin } from "../policy/paths.ts";
import type { Policy } from "../policy/types.ts";
import { stateDir } from "../state_dir.ts";

/**
 * Refuses a policy whose grants reach airlock's state directory.
 *
 * @param policy The policy.
 * @param state The state directory (default: this airlock's).
 * @throws {SandboxSetupError} Naming the grant and the directory.
 * @example
 * ```ts
 * import { assertStateOutsideGrants } from "./state_reach.ts";
 * const grant = (path: string) => ({ paths: [{ path, access: ["read" as const], origin: "--read" }] });
 * assertStateOutsideGrants(grant("/home/a/proj") as never, "/home/a/.local/state/airlock");
 * let refused = false;
 * try {
 *   assertStateOutsideGrants(grant("/home/a/.local") as never, "/home/a/.local/state/airlock");
 * } catch { refused = true; }
 * console.assert(refused);
 * ```
 */
export function assertStateOutsideGrants(
  policy: Pick<Policy, "paths">,
  state: string = stateDir(),
): void {
  for (const rule of policy.paths) {
    if (!isWithin(state, rule.path) && !isWithin(rule.path, state)) continue;
    throw new SandboxSetupError(
      `Cannot grant "${rule.path}" (${rule.origin}) without the mount namespace: it reaches airlock's state directory "${state}"`,
      {
        hint: "grant a narrower path, or set XDG_STATE_HOME to a directory outside every grant",
      },
    );
  }
}
