/**
 * Profiles to policy: `resolvePolicy()` loads the profile chain (find → parse →
 * validate → merge), merges the command-line flags, checks every grant against the
 * protected paths and filters the environment.
 *
 * @module
 */

import { buildPolicy } from "./build.ts";
import { loadProfile } from "./load.ts";
import type { Policy, PolicyRequest } from "./types.ts";

export type * from "./types.ts";
export type * from "./profile_types.ts";
export { loadProfile } from "./load.ts";
export { buildPolicy } from "./build.ts";
export { BUILTIN_PROFILES, findProfile, userProfileDir, userProfiles } from "./locate.ts";
export { whyEnv, whyPath, whyPort } from "./why.ts";

/**
 * Resolves the policy for a request: the profile and its `extends` chain, then the flags.
 *
 * Requires `--allow-read` (profiles, realpath of every grant) and `--allow-env`.
 *
 * @param req What the command line asks for.
 * @returns The validated policy.
 * @throws {ProfileError} (exit 125) When a profile is missing, malformed or invalid, a
 *   non-optional profile path is missing, or a grant reaches a protected path.
 * @throws {UsageError} (exit 2) When a flag value is malformed or a flag names a missing path.
 * @example Resolving the default profile for a temporary directory
 * ```ts
 * import { resolvePolicy } from "./mod.ts";
 * const dir = await Deno.makeTempDir();
 * const policy = await resolvePolicy({
 *   profile: "default", allow: [], read: [], write: [], noWorkdir: false, allowPorts: [],
 *   listenPorts: [], allowUnixSockets: false, allowDomains: [], credentials: [],
 *   bypassProtection: [], resolve: [], upstreamCa: [], bestEffort: false,
 *   cwd: dir, env: { HOME: "/nonexistent", PATH: "/usr/bin", OPENAI_API_KEY: "sk-x" },
 * });
 * console.assert(policy.network.mode === "proxy");
 * console.assert(policy.env.removed.includes("OPENAI_API_KEY"));
 * await Deno.remove(dir);
 * ```
 */
export async function resolvePolicy(req: PolicyRequest): Promise<Policy> {
  const profile = await loadProfile(req.profile, { env: req.env, cwd: req.cwd });
  return await buildPolicy(profile, req);
}
