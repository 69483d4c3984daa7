/**
 * Protected paths: credentials, browser profiles, shell history and shell start-up
 * files that no grant may reach, in every profile.
 *
 * Landlock (and the Seatbelt profile airlock writes) cannot deny a path inside a granted
 * directory, so protection works by refusing grants: a grant that equals or contains a
 * protected path (whether or not it exists), or lies inside one, is an error unless the
 * user names that protected path (or a directory above it) with `--bypass-protection`.
 *
 * @module
 */

import { ProfileError } from "../errors.ts";
import { expandPath, isNothingThere, isWithin, type PathVars, realPathOrNull } from "./paths.ts";

/** A named group of protected paths, written with `~` for the home directory. */
export interface ProtectedGroup {
  /** What the paths hold, shown in errors. */
  name: string;
  /** The paths. */
  paths: string[];
}

/** The protected paths, grouped by what they hold. */
export const PROTECTED_PATHS: readonly ProtectedGroup[] = [
  // Keys and agents that log in elsewhere: reading them is taking over the user's accounts.
  { name: "SSH keys", paths: ["~/.ssh"] },
  { name: "GnuPG keys", paths: ["~/.gnupg"] },
  // Cloud and cluster credentials.
  {
    name: "cloud credentials",
    paths: [
      "~/.aws",
      "~/.azure",
      "~/.config/gcloud",
      "~/.kube",
      "~/.docker",
      "~/.terraform.d/credentials.tfrc.json",
    ],
  },
  // Tokens for git hosts and package registries.
  {
    name: "git and registry tokens",
    paths: [
      "~/.git-credentials",
      "~/.config/git/credentials",
      "~/.config/gh",
      "~/.netrc",
      "~/.npmrc",
      "~/.pypirc",
      "~/.cargo/credentials",
      "~/.cargo/credentials.toml",
    ],
  },
  // Password managers and the desktop keyrings.
  {
    name: "password stores",
    paths: ["~/.password-store", "~/.local/share/keyrings", "~/Library/Keychains"],
  },
  // Browser profiles: cookies and saved passwords.
  {
    name: "browser profiles",
    paths: [
      "~/.mozilla",
      "~/.config/google-chrome",
      "~/.config/chromium",
      "~/.config/BraveSoftware",
      "~/.config/microsoft-edge",
      "~/snap/firefox",
      "~/snap/chromium",
      "~/Library/Application Support/Google/Chrome",
      "~/Library/Application Support/Firefox",
      "~/Library/Application Support/BraveSoftware",
      "~/Library/Application Support/Microsoft Edge",
      "~/Library/Safari",
      "~/Library/Cookies",
    ],
  },
  // Shell and REPL history: often holds pasted secrets.
  {
    name: "shell history",
    paths: [
      "~/.bash_history",
      "~/.zsh_history",
      "~/.local/share/fish/fish_history",
      "~/.python_history",
      "~/.node_repl_history",
      "~/.psql_history",
      "~/.mysql_history",
      "~/.lesshst",
    ],
  },
  // Shell start-up files: writing one runs code outside the sandbox at the next login.
  {
    name: "shell start-up files",
    paths: [
      "~/.bashrc",
      "~/.bash_profile",
      "~/.bash_login",
      "~/.bash_logout",
      "~/.profile",
      "~/.zshrc",
      "~/.zshenv",
      "~/.zprofile",
      "~/.zlogin",
      "~/.config/fish",
    ],
  },
  // airlock's own profiles: writing one widens the next run's sandbox.
  { name: "airlock profiles", paths: ["$XDG_CONFIG_HOME/airlock"] },
  // airlock's state: audit logs, sessions' runtime directories (bridge sockets, private
  // /tmp), rollback snapshots — no sandbox may reach another session's or forge a record.
  { name: "airlock state", paths: ["$XDG_STATE_HOME/airlock"] },
];

/** One protected path, expanded. */
export interface ProtectedPath {
  /** The absolute path (lexical). */
  path: string;
  /** Its real path when it exists and differs (a symlink), else null. */
  real: string | null;
  /** The group's name. */
  group: string;
}

/**
 * Expands the protected paths for a home directory, resolving symlinks where they exist.
 *
 * @param vars The path variables (`HOME`, `XDG_CONFIG_HOME`).
 * @returns Every protected path.
 */
export async function protectedPaths(vars: PathVars): Promise<ProtectedPath[]> {
  const out: ProtectedPath[] = [];
  const listings = new Map<string, Set<string> | null>();
  for (const group of PROTECTED_PATHS) {
    for (const raw of group.paths) {
      const path = expandPath(raw, vars);
      // Most protected paths do not exist; a failed realpath throws, and ~50 exceptions
      // cost more than listing the few parent directories once.
      const real = mayExist(path, listings) ? await realPathOrNull(path) : null;
      out.push({ path, real: real === path ? null : real, group: group.name });
    }
  }
  return out;
}

/**
 * False when the path's parent directory lists no such name (so it surely does not
 * exist); true when it does or the parent cannot be listed (let realpath decide).
 */
function mayExist(path: string, listings: Map<string, Set<string> | null>): boolean {
  const slash = path.lastIndexOf("/");
  if (slash <= 0) return true;
  const parent = path.slice(0, slash);
  let names = listings.get(parent);
  if (names === undefined) {
    names = listNames(parent);
    listings.set(parent, names);
  }
  return names === null || names.has(path.slice(slash + 1));
}

/** The names in a directory; empty when it does not exist; null when it cannot be read. */
function listNames(dir: string): Set<string> | null {
  try {
    const names = new Set<string>();
    for (const entry of Deno.readDirSync(dir)) names.add(entry.name);
    return names;
  } catch (err) {
    return isNothingThere(err) ? new Set() : null;
  }
}

/** A grant to check: its lexical and real path and where it came from. */
export interface GrantToCheck {
  /** The expanded path as written. */
  path: string;
  /** Its real path (symlinks resolved), or the same path. */
  real: string;
  /** Its origin, e.g. `profile dev: filesystem.allow[0]` or `--allow`. */
  origin: string;
}

/**
 * Refuses a grant that reaches a protected path, unless a bypass covers it.
 *
 * @param grant The grant.
 * @param protectedList From {@linkcode protectedPaths}.
 * @param bypass Absolute paths from `--bypass-protection` and `bypass_protection`; a protected
 *   path equal to or beneath one of them is not protected.
 * @throws {ProfileError} Naming the grant, the protected path and the bypass flag.
 * @example
 * ```ts
 * import { checkProtected } from "./protected.ts";
 * const list = [{ path: "/home/ada/.ssh", real: null, group: "SSH keys" }];
 * const grant = { path: "/home/ada", real: "/home/ada", origin: "--allow" };
 * checkProtected(grant, list, ["/home/ada/.ssh"]); // bypassed: no error
 * let failed = false;
 * try { checkProtected(grant, list, []); } catch { failed = true; }
 * console.assert(failed);
 * ```
 */
export function checkProtected(
  grant: GrantToCheck,
  protectedList: ProtectedPath[],
  bypass: string[],
): void {
  // Hot path (every grant × every protected path on each launch): containment first,
  // with no allocation; the bypass list is consulted only for a hit.
  for (const p of protectedList) {
    const how = relation(grant.path, p.path) ?? relation(grant.real, p.path) ??
      (p.real === null ? null : relation(grant.path, p.real) ?? relation(grant.real, p.real));
    if (how === null || isBypassed(p, bypass)) continue;
    throw new ProfileError(
      `Cannot grant "${grant.path}" (${grant.origin}): it ${how} the protected path "${p.path}" (${p.group})`,
      {
        hint: how === "contains"
          ? `grant a narrower path, or pass --bypass-protection ${p.path} if the command must reach it`
          : `pass --bypass-protection ${p.path} if the command must reach it`,
      },
    );
  }
}

/** How a grant form relates to a protected form, or null when neither contains the other. */
function relation(
  grantForm: string,
  protectedForm: string,
): "is" | "contains" | "lies inside" | null {
  if (grantForm === protectedForm) return "is";
  if (isWithin(protectedForm, grantForm)) return "contains";
  if (isWithin(grantForm, protectedForm)) return "lies inside";
  return null;
}

/** Whether a bypass entry covers a protected path (as written or its real path). */
function isBypassed(p: ProtectedPath, bypass: string[]): boolean {
  return bypass.some((b) => isWithin(p.path, b) || (p.real !== null && isWithin(p.real, b)));
}
