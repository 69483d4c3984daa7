/**
 * Finds, reads and merges the trust policies of a run.
 *
 * - The **user** policy, `$XDG_CONFIG_HOME/airlock/trust-policy.json` (JSONC): everything.
 * - The **project** policy, `.airlock/trust-policy.json` in the workdir: a hostile
 *   repository writes it, so on its own it may only narrow — add `includes`, add
 *   `blocklist` entries, and name an `enforcement` (the strictest one wins, so that only
 *   tightens). Its `publishers` and `files` are ignored, with a warning, unless the user
 *   ran `airlock trust accept`, which pins the file's SHA-256 in the user policy; any
 *   later edit changes the digest and un-accepts it.
 *
 * Includes: the user's (or {@linkcode DEFAULT_INCLUDES} when the user names none) plus
 * the project's — a project policy can never remove a default include by naming its own.
 * Enforcement: the strictest named; `deny` when a user policy exists and names none;
 * `audit` when no policy exists at all.
 *
 * Requires `--allow-read` on both files.
 *
 * @module
 */

import { TrustError } from "../errors.ts";
import { sha256Hex } from "./digest.ts";
import { DEFAULT_INCLUDES } from "./default_includes.ts";
import { JsoncSyntaxError, parseJsonc } from "./jsonc.ts";
import { validateTrustPolicy } from "./policy_validate.ts";
import {
  type EffectiveTrustPolicy,
  type Enforcement,
  ENFORCEMENTS,
  type TrustPolicyFile,
} from "./policy_types.ts";
import { trustPolicyPaths } from "./policy_paths.ts";

/**
 * Reads and validates one policy file.
 *
 * @param path The file.
 * @returns The policy, or null when the file does not exist.
 * @throws {TrustError} When it cannot be read, is not JSONC or is invalid.
 */
export function readTrustPolicy(path: string): TrustPolicyFile | null {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = Deno.readFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound || err instanceof Deno.errors.NotADirectory) {
      return null;
    }
    throw new TrustError(`Cannot load trust policy ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  let value: unknown;
  try {
    value = parseJsonc(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (err) {
    const where = err instanceof JsoncSyntaxError ? `:${err.message}` : ": is not UTF-8 text";
    throw new TrustError(`Cannot load trust policy ${path}${where}`, {
      hint: "fix the syntax at that line and column",
    });
  }
  return validateTrustPolicy(value, path, sha256Hex(bytes));
}

/**
 * The strictest of the given enforcement values.
 *
 * @param values Values named by policies (undefined where one names none).
 * @param fallback The value when none is named.
 * @returns The strictest.
 * @example
 * ```ts
 * import { strictest } from "./policy_load.ts";
 * console.assert(strictest(["audit", "warn", undefined], "deny") === "warn");
 * console.assert(strictest([undefined], "audit") === "audit");
 * ```
 */
export function strictest(
  values: readonly (Enforcement | undefined)[],
  fallback: Enforcement,
): Enforcement {
  const named = values.filter((v): v is Enforcement => v !== undefined);
  if (named.length === 0) return fallback;
  return ENFORCEMENTS.find((e) => named.includes(e))!;
}

/**
 * Merges a user and a project policy.
 *
 * @param user The user policy, or null.
 * @param project The project policy, or null.
 * @param home The home directory, to expand `~/` in `files`.
 * @returns The effective policy.
 */
export function mergeTrustPolicies(
  user: TrustPolicyFile | null,
  project: TrustPolicyFile | null,
  home: string,
): EffectiveTrustPolicy {
  const accepted = project !== null && user !== null &&
    user.acceptedProjects.some((a) => a.sha256 === project.sha256);
  const warnings: string[] = [];
  if (project && !accepted) {
    const ignored = [
      ...(project.publishers.length > 0 ? ["publishers"] : []),
      ...(project.files.length > 0 ? ["files"] : []),
    ];
    if (ignored.length > 0) {
      warnings.push(
        `trust: ${project.file}: ${
          ignored.join(" and ")
        } ignored: the project policy is not accepted (review it, then run \`airlock trust accept\`)`,
      );
    }
  }
  const trusted = [user, accepted ? project : null].filter((p): p is TrustPolicyFile => !!p);
  const all = [user, project].filter((p): p is TrustPolicyFile => !!p);
  const userIncludes = user?.includes.length ? user.includes : DEFAULT_INCLUDES;
  const expand = (
    f: string,
  ) => (f.startsWith("~/") ? `${home.replace(/\/+$/, "")}/${f.slice(2)}` : f);
  return {
    userPolicy: user !== null,
    projectPolicy: project?.file ?? null,
    projectAccepted: accepted,
    enforcement: strictest(all.map((p) => p.enforcement), user ? "deny" : "audit"),
    includes: [...new Set([...userIncludes, ...(project?.includes ?? [])])],
    files: [...new Set(trusted.flatMap((p) => p.files).map(expand))],
    publishers: trusted.flatMap((p) => p.publishers),
    blockedDigests: new Set(all.flatMap((p) => p.blockedDigests)),
    blockedIdentities: all.flatMap((p) => p.blockedIdentities),
    warnings,
  };
}

/**
 * Loads the effective trust policy for a workdir.
 *
 * @param workdir The absolute workdir (for the project policy).
 * @param env The environment (`XDG_CONFIG_HOME`, `HOME`).
 * @returns The effective policy.
 * @throws {TrustError} When a policy file is unreadable or invalid.
 */
export function loadTrustPolicy(
  workdir: string,
  env: Record<string, string | undefined>,
): EffectiveTrustPolicy {
  const paths = trustPolicyPaths(workdir, env);
  return mergeTrustPolicies(
    readTrustPolicy(paths.user),
    readTrustPolicy(paths.project),
    paths.home,
  );
}
