/**
 * Finding profiles: built-ins shipped in `policies/` (read through `import.meta.url`,
 * so `deno compile --include policies/` works), user profiles in
 * `$XDG_CONFIG_HOME/airlock/profiles/NAME.json(c)`, and profile files given by path.
 *
 * A reference containing `/` or ending in `.json`/`.jsonc` is a path; anything else is
 * a name. A user profile shadows a built-in of the same name, except that a user
 * profile extending its own name extends the built-in.
 *
 * @module
 */

import { dirname, resolve } from "./posix_path.ts";
import { ProfileError } from "../errors.ts";
import { isNothingThere, pathVars } from "./paths.ts";

/** The built-in profiles, in the order `profile list` shows them. */
export const BUILTIN_PROFILES = [
  "default",
  "agent-base",
  "claude-code",
  "codex",
  "gemini-cli",
  "opencode",
  "aider",
] as const;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** A profile's text and where it came from. */
export interface ProfileSource {
  /** The name (built-in or user) or the absolute path for files given by path. */
  name: string;
  /** The file read, as a path (built-ins: the path inside `policies/`). */
  file: string;
  /** Whether it is a built-in. */
  builtin: boolean;
  /** The file's contents. */
  text: string;
}

/** Where to look, and relative to what. */
export interface LocateOptions {
  /** The environment (for `XDG_CONFIG_HOME` and `HOME`). */
  env: Record<string, string>;
  /** The directory relative paths are resolved against. */
  baseDir: string;
  /** Skip user profiles (a user profile extending its own name). */
  builtinOnly?: boolean;
}

/**
 * Whether a profile reference is a path rather than a name.
 *
 * @param ref The reference, as given to `--profile` or `extends`.
 * @returns True for `./dev.json`, `/etc/airlock/x.jsonc`, `dev.json`; false for `dev`.
 * @example
 * ```ts
 * import { isProfilePath } from "./locate.ts";
 * console.assert(isProfilePath("dev.jsonc") && !isProfilePath("claude-code"));
 * ```
 */
export function isProfilePath(ref: string): boolean {
  return ref.includes("/") || ref.endsWith(".json") || ref.endsWith(".jsonc");
}

/**
 * The directory holding user profiles: `$XDG_CONFIG_HOME/airlock/profiles`.
 *
 * @param env The environment.
 * @returns An absolute path (which may not exist).
 * @example
 * ```ts
 * import { userProfileDir } from "./locate.ts";
 * console.assert(userProfileDir({ HOME: "/home/ada" }) === "/home/ada/.config/airlock/profiles");
 * ```
 */
export function userProfileDir(env: Record<string, string>): string {
  return `${pathVars(env, "/").XDG_CONFIG_HOME}/airlock/profiles`;
}

/**
 * The URL of a built-in profile file (or of `schema.json`).
 *
 * @param file The file name inside `policies/`.
 * @returns A `file:` URL (or the compiled binary's embedded path).
 */
export function builtinUrl(file: string): URL {
  return new URL(`../../policies/${file}`, import.meta.url);
}

function readOrNull(path: string | URL): Promise<string | null> {
  try {
    return Promise.resolve(Deno.readTextFileSync(path));
  } catch (err) {
    if (isNothingThere(err)) return Promise.resolve(null);
    return Promise.reject(err);
  }
}

/**
 * The names of the user profiles (files `NAME.json` or `NAME.jsonc`), sorted.
 *
 * @param env The environment.
 * @returns Names and files.
 */
export async function userProfiles(
  env: Record<string, string>,
): Promise<{ name: string; file: string }[]> {
  const dir = userProfileDir(env);
  const found: { name: string; file: string }[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      const match = /^(.+)\.jsonc?$/.exec(entry.name);
      if (!entry.isDirectory && match?.[1] !== undefined && NAME.test(match[1])) {
        if (!found.some((f) => f.name === match[1])) {
          found.push({ name: match[1], file: `${dir}/${entry.name}` });
        }
      }
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Finds and reads a profile by name or path.
 *
 * @param ref A name (`claude-code`) or a path (`./dev.jsonc`).
 * @param options The environment and base directory.
 * @returns The profile's text and origin.
 * @throws {ProfileError} When no profile has that name (listing the known ones) or the file is missing.
 * @example Loading a built-in
 * ```ts
 * import { findProfile } from "./locate.ts";
 * const src = await findProfile("default", { env: {}, baseDir: "/" , builtinOnly: true });
 * console.assert(src.builtin && src.text.includes("filesystem"));
 * ```
 */
export async function findProfile(ref: string, options: LocateOptions): Promise<ProfileSource> {
  if (isProfilePath(ref)) {
    const file = resolve(options.baseDir, ref);
    const text = await readOrNull(file);
    if (text === null) {
      throw new ProfileError(`Cannot load profile "${ref}": the file ${file} does not exist`);
    }
    return { name: file, file, builtin: false, text };
  }
  if (!NAME.test(ref)) {
    throw new ProfileError(
      `Cannot load profile "${ref}": a profile name must use letters, digits, ".", "_" and "-"`,
      { hint: "pass a path (containing / or ending in .json) to load a file" },
    );
  }
  if (!options.builtinOnly) {
    for (const ext of ["json", "jsonc"]) {
      const file = `${userProfileDir(options.env)}/${ref}.${ext}`;
      const text = await readOrNull(file);
      if (text !== null) return { name: ref, file, builtin: false, text };
    }
  }
  if ((BUILTIN_PROFILES as readonly string[]).includes(ref)) {
    const url = builtinUrl(`${ref}.json`);
    return {
      name: ref,
      file: `policies/${ref}.json`,
      builtin: true,
      text: Deno.readTextFileSync(url),
    };
  }
  const known = new Set<string>(BUILTIN_PROFILES);
  for (const user of await userProfiles(options.env)) known.add(user.name);
  throw new ProfileError(
    `Cannot load profile "${ref}": no built-in or user profile has that name: known profiles are ${
      [...known].join(", ")
    }`,
    { hint: `create ${userProfileDir(options.env)}/${ref}.json or pass a path to a profile file` },
  );
}

/**
 * The directory `extends` paths of a profile are resolved against.
 *
 * @param source The extending profile.
 * @param cwd The current directory (for built-ins and user profiles by name).
 * @returns An absolute directory.
 */
export function baseDirOf(source: ProfileSource, cwd: string): string {
  return source.builtin ? cwd : dirname(source.file);
}
