/**
 * Keeps the sources of the proxy's real credentials out of the command's reach: a
 * variable named by an `env:VAR` reference is removed from the command's environment,
 * and a `file:PATH` reference inside a readable grant is refused (the agent could read
 * the key the proxy is there to hide).
 *
 * @module
 */

import { ProfileError } from "../errors.ts";
import { expandPath, isWithin, type PathVars, realPathOrNull } from "./paths.ts";
import type { PathRule } from "./types.ts";

/**
 * The variable names that `env:` references read: they must never reach the command.
 *
 * @param credentials Route name → credential reference.
 * @returns The variable names, sorted and unique.
 * @example
 * ```ts
 * import { credentialEnvNames } from "./credential_exposure.ts";
 * const names = credentialEnvNames({ openai: "env:REAL_KEY", gemini: "keyring:gemini" });
 * console.assert(names.join() === "REAL_KEY");
 * ```
 */
export function credentialEnvNames(credentials: Record<string, string>): string[] {
  const names = Object.values(credentials)
    .filter((ref) => ref.startsWith("env:"))
    .map((ref) => ref.slice("env:".length).trim())
    .filter((name) => name !== "");
  return [...new Set(names)].sort();
}

/**
 * Which route reads each `env:` variable, for the reason shown when it is removed.
 *
 * @param credentials Route name → credential reference.
 * @returns Variable name → route name.
 * @example
 * ```ts
 * import { credentialEnvSources } from "./credential_exposure.ts";
 * console.assert(credentialEnvSources({ openai: "env:REAL_KEY" }).REAL_KEY === "openai");
 * ```
 */
export function credentialEnvSources(credentials: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [route, ref] of Object.entries(credentials)) {
    const name = ref.startsWith("env:") ? ref.slice("env:".length).trim() : "";
    if (name !== "" && !Object.hasOwn(out, name)) out[name] = route;
  }
  return out;
}

/**
 * Refuses a `file:` credential that a read grant exposes to the command.
 *
 * @param credentials Route name → credential reference.
 * @param rules The policy's filesystem rules.
 * @param vars Path variables for `~` and `$HOME` in the reference.
 * @throws {ProfileError} (exit 125) Naming the route, the file and the grant.
 */
export async function checkCredentialFiles(
  credentials: Record<string, string>,
  rules: PathRule[],
  vars: PathVars,
): Promise<void> {
  for (const [route, ref] of Object.entries(credentials)) {
    if (!ref.startsWith("file:")) continue;
    const raw = ref.slice("file:".length);
    const lexical = raw.startsWith("/") || raw.startsWith("~") || raw.startsWith("$")
      ? expandPath(raw, vars)
      : null;
    if (lexical === null) continue; // a relative path is refused by the credential resolver
    const real = (await realPathOrNull(lexical)) ?? lexical;
    const rule = rules.find((r) =>
      r.access.includes("read") && (isWithin(real, r.path) || isWithin(lexical, r.path))
    );
    if (rule !== undefined) {
      throw new ProfileError(
        `Cannot serve credential "${route}": its file ${lexical} is readable inside the sandbox through ${rule.origin} (${rule.path})`,
        { hint: "keep the key file outside every grant, or store it with airlock secret set" },
      );
    }
  }
}
