/**
 * Filesystem grants of a policy: the workdir, the merged profile's `filesystem` entries
 * and the `--read/--write/--allow` flags, expanded, resolved to real paths, checked to
 * exist and checked against the protected paths.
 *
 * Exit codes: a missing path or bad variable in a profile is a {@linkcode ProfileError}
 * (125); a missing path named by a flag is a {@linkcode UsageError} (2); a grant reaching
 * a protected path is a {@linkcode ProfileError} (125) wherever it came from.
 *
 * @module
 */

import { ProfileError, UsageError } from "../errors.ts";
import { expandPath, type PathVars, realPathOrNull } from "./paths.ts";
import type { MergedProfile, PathEntry, Sourced } from "./profile_types.ts";
import { checkProtected, type ProtectedPath, protectedPaths } from "./protected.ts";
import { checkKernelPaths } from "./kernel_paths.ts";
import type { Access, PathRule } from "./types.ts";

/** The flag side of the filesystem grants. */
export interface GrantFlags {
  /** `--read` paths, as given (relative to `vars.WORKDIR`'s caller cwd). */
  read: string[];
  /** `--write` paths. */
  write: string[];
  /** `--allow` paths. */
  allow: string[];
  /** The workdir (absolute, real), or null with `--no-workdir`. */
  workdir: string | null;
  /** The current directory relative flag paths are resolved against. */
  cwd: string;
  /** Absolute protected paths the grants may reach. */
  bypass: string[];
  /** Create missing `"create": true` directories (false: list them uncreated). */
  createDirs: boolean;
}

/** What resolving one entry needs besides the entry. */
interface EntryContext {
  vars: PathVars;
  createDirs: boolean;
  bypass: string[];
  protectedList: ProtectedPath[];
}

/** Splits `profile NAME: KEY` into the profile name and the key. */
function splitOrigin(origin: string): { name: string; key: string } {
  const match = /^profile (.+): ([^:]+)$/.exec(origin);
  return match ? { name: match[1] ?? "", key: match[2] ?? "" } : { name: "", key: origin };
}

/**
 * Creates a missing `"create": true` directory (mode 0700, with parents), after checking
 * that it reaches no protected path; returns its real path, or the expanded path when
 * creation is off.
 */
async function createDir(
  lexical: string,
  origin: string,
  ctx: EntryContext,
): Promise<string> {
  checkProtected({ path: lexical, real: lexical, origin }, ctx.protectedList, ctx.bypass);
  if (!ctx.createDirs) return lexical;
  try {
    await Deno.mkdir(lexical, { recursive: true, mode: 0o700 });
  } catch (err) {
    const { name, key } = splitOrigin(origin);
    throw new ProfileError(
      `Cannot load profile "${name}": ${key} cannot be created: current value is "${lexical}"`,
      { cause: err, hint: "create the directory yourself, or fix its parent's permissions" },
    );
  }
  return await Deno.realPath(lexical);
}

/** Resolves one profile entry; null when optional and missing. */
async function profileRule(
  entry: Sourced<PathEntry>,
  access: Access[],
  ctx: EntryContext,
): Promise<PathRule & { lexical: string } | null> {
  const lexical = expandPath(entry.value.path, ctx.vars);
  const real = await realPathOrNull(lexical);
  const layer = entry.value.writes === "session" && access.includes("write")
    ? { writes: "session" as const }
    : {};
  if (real === null && entry.value.create) {
    const path = await createDir(lexical, entry.origin, ctx);
    return { path, access, origin: entry.origin, lexical, ...layer };
  }
  if (real === null) {
    if (entry.value.optional) return null;
    const { name, key } = splitOrigin(entry.origin);
    const shown = lexical === entry.value.path ? "" : ` (${lexical})`;
    throw new ProfileError(
      `Cannot load profile "${name}": ${key} does not exist: current value is "${entry.value.path}"${shown}`,
      {
        hint:
          `create it, or write { "path": "${entry.value.path}", "optional": true } to skip it when missing`,
      },
    );
  }
  return { path: real, access, origin: entry.origin, lexical, ...layer };
}

/** Resolves one flag path; a missing one is a usage error. */
async function flagRule(
  flag: string,
  raw: string,
  access: Access[],
  vars: PathVars,
): Promise<PathRule & { lexical: string }> {
  const lexical = expandPath(raw, vars);
  const real = await realPathOrNull(lexical);
  if (real === null) {
    throw new UsageError(`Cannot grant ${flag} "${raw}": the path does not exist`, {
      hint: "create it first, or check the spelling",
    });
  }
  return { path: real, access, origin: flag, lexical };
}

/**
 * Builds the filesystem rules and refuses any that reaches a protected path.
 *
 * @param profile The merged profile.
 * @param flags The flag grants, workdir and bypass list.
 * @param vars The path variables (`WORKDIR` is the current directory for flag paths).
 * @returns The rules: workdir first, then the profile's read, write and allow entries, then flags.
 * @throws {ProfileError} On a missing non-optional profile path, a protected path, or a
 *   refused kernel-filesystem grant (write beneath /proc or /sys, a /proc/PID entry).
 * @throws {UsageError} On a missing flag path.
 */
export async function buildGrants(
  profile: MergedProfile,
  flags: GrantFlags,
  vars: PathVars,
): Promise<PathRule[]> {
  const rules: (PathRule & { lexical: string })[] = [];
  if (flags.workdir !== null) {
    rules.push({
      path: flags.workdir,
      access: ["read", "write"],
      origin: "workdir",
      lexical: flags.workdir,
    });
  }
  const sections: [Sourced<PathEntry>[], Access[]][] = [
    [profile.filesystem.read, ["read"]],
    [profile.filesystem.write, ["write"]],
    [profile.filesystem.allow, ["read", "write"]],
  ];
  const protectedList = await protectedPaths(vars);
  const ctx = { vars, createDirs: flags.createDirs, bypass: flags.bypass, protectedList };
  for (const [entries, access] of sections) {
    for (const entry of entries) {
      const rule = await profileRule(entry, access, ctx);
      if (rule !== null) rules.push(rule);
    }
  }
  const flagVars = { ...vars, WORKDIR: flags.cwd };
  for (const raw of flags.read) rules.push(await flagRule("--read", raw, ["read"], flagVars));
  for (const raw of flags.write) rules.push(await flagRule("--write", raw, ["write"], flagVars));
  for (const raw of flags.allow) {
    rules.push(await flagRule("--allow", raw, ["read", "write"], flagVars));
  }
  for (const rule of rules) {
    checkProtected(
      { path: rule.lexical, real: rule.path, origin: rule.origin },
      protectedList,
      flags.bypass,
    );
    checkKernelPaths(rule);
  }
  return rules.map(({ path, access, origin, writes }) =>
    writes === undefined ? { path, access, origin } : { path, access, origin, writes }
  );
}
