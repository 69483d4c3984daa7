/**
 * Where trust policies and signing-key records live: the user policy
 * `$XDG_CONFIG_HOME/airlock/trust-policy.json` (inside airlock's protected configuration
 * directory, which no sandbox grant may reach), key records in
 * `$XDG_CONFIG_HOME/airlock/trust-keys/`, and the project policy
 * `.airlock/trust-policy.json` in the workdir.
 *
 * @module
 */

/** The paths of one run. */
export interface TrustPolicyPaths {
  /** The home directory (empty when unknown). */
  home: string;
  /** `$XDG_CONFIG_HOME/airlock`. */
  configDir: string;
  /** The user policy. */
  user: string;
  /** The project policy. */
  project: string;
  /** The directory of signing-key records. */
  keys: string;
}

/**
 * The trust paths for a workdir and environment.
 *
 * @param workdir The absolute workdir.
 * @param env The environment (`XDG_CONFIG_HOME`, `HOME`).
 * @returns The paths (which may not exist).
 * @example
 * ```ts
 * import { trustPolicyPaths } from "./policy_paths.ts";
 * const paths = trustPolicyPaths("/w", { HOME: "/home/ada" });
 * console.assert(paths.user === "/home/ada/.config/airlock/trust-policy.json");
 * console.assert(paths.project === "/w/.airlock/trust-policy.json");
 * ```
 */
export function trustPolicyPaths(
  workdir: string,
  env: Record<string, string | undefined>,
): TrustPolicyPaths {
  const home = env.HOME?.startsWith("/") ? env.HOME.replace(/\/+$/, "") : "";
  const xdg = env.XDG_CONFIG_HOME?.startsWith("/")
    ? env.XDG_CONFIG_HOME.replace(/\/+$/, "")
    : `${home}/.config`;
  const configDir = `${xdg}/airlock`;
  return {
    home,
    configDir,
    user: `${configDir}/trust-policy.json`,
    project: `${workdir.replace(/\/+$/, "")}/.airlock/trust-policy.json`,
    keys: `${configDir}/trust-keys`,
  };
}
