/**
 * Loading a profile with its `extends` chain: find → parse → validate each profile,
 * then merge them base first. Cycles are refused, a profile reached twice (a diamond)
 * is merged once, at its first place.
 *
 * @module
 */

import { ProfileError } from "../errors.ts";
import { baseDirOf, findProfile, isProfilePath, type ProfileSource } from "./locate.ts";
import { mergeProfiles } from "./merge.ts";
import type { MergedProfile, ProfileDoc } from "./profile_types.ts";
import { validateProfile } from "./validate.ts";
import { lazyImport } from "../lazy_import.ts";

/** How deep `extends` may nest before airlock gives up. */
export const MAX_EXTENDS_DEPTH = 16;

/** Where to look for profiles. */
export interface LoadOptions {
  /** The environment (for user profiles under `$XDG_CONFIG_HOME`). */
  env: Record<string, string>;
  /** The directory a profile path on the command line is relative to. */
  cwd: string;
}

/**
 * Parses and validates one profile source. Built-in profiles are strict JSON and take
 * `JSON.parse` (a test proves they parse identically through the JSONC parser); user
 * profiles go through the JSONC parser, loaded only then — it is an npm module, and
 * loading it costs every `airlock run` start-up time.
 *
 * @param source The profile's text and origin.
 * @returns The validated profile.
 * @throws {ProfileError} On malformed JSONC or a bad key or value.
 */
async function docFromSource(source: ProfileSource): Promise<ProfileDoc> {
  if (source.builtin) {
    return validateProfile(JSON.parse(source.text), {
      name: source.name,
      file: source.file,
      builtin: true,
    });
  }
  const { profileFromSource } = await lazyImport<typeof import("./from_source.ts")>(
    "../policy/from_source.ts", // resolves the same from the fast-path bundle (src/cli/)
    import.meta.url,
  );
  return profileFromSource(source);
}

/**
 * Loads a profile by name or path and merges its `extends` chain.
 *
 * @param ref The profile name (`claude-code`) or path (`./dev.jsonc`).
 * @param options The environment and current directory.
 * @returns The merged profile.
 * @throws {ProfileError} When a profile is missing, malformed or invalid, or `extends` has a cycle.
 * @example Loading a built-in agent profile
 * ```ts
 * import { loadProfile } from "./load.ts";
 * const merged = await loadProfile("claude-code", { env: { HOME: "/nonexistent" }, cwd: "/" });
 * console.assert(merged.chain[0] === "default" && merged.chain.at(-1) === "claude-code");
 * ```
 */
export async function loadProfile(ref: string, options: LoadOptions): Promise<MergedProfile> {
  const ordered: ProfileDoc[] = [];
  const done = new Set<string>();

  async function visit(
    ref: string,
    baseDir: string,
    stack: { key: string; name: string }[],
    builtinOnly: boolean,
  ): Promise<void> {
    const source = await findProfile(ref, { env: options.env, baseDir, builtinOnly });
    const key = source.builtin ? `builtin:${source.name}` : `file:${source.file}`;
    const root = stack[0]?.name ?? source.name;
    if (stack.some((s) => s.key === key)) {
      const names = [...stack.map((s) => s.name), source.name].join(" → ");
      throw new ProfileError(`Cannot load profile "${root}": extends forms a cycle: ${names}`, {
        hint: "remove one of the extends entries in that cycle",
      });
    }
    if (stack.length >= MAX_EXTENDS_DEPTH) {
      throw new ProfileError(
        `Cannot load profile "${root}": extends nests deeper than ${MAX_EXTENDS_DEPTH} profiles`,
      );
    }
    if (done.has(key)) return;
    const doc = await docFromSource(source);
    const here = [...stack, { key, name: source.name }];
    for (const parent of doc.extends) {
      const ownName = !source.builtin && !isProfilePath(parent) && parent === source.name;
      await visit(parent, baseDirOf(source, options.cwd), here, ownName);
    }
    done.add(key);
    ordered.push(doc);
  }

  await visit(ref, options.cwd, [], false);
  return mergeProfiles(ordered);
}
