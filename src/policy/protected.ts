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
import { expandPath, isWithin, type PathVars, realPathOrNull } from "./paths.ts";

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
  for (const group of PROTECTED_PATHS) {
    for (const raw of group.paths) {
      const path = expandPath(raw, vars);
      const real = await realPathOrNull(path);
      out.push({ path, real: real === path ? null : real, group: group.name });
    }
  }
  return out;
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
  for (const p of protectedList) {
    const forms = p.real === null ? [p.path] : [p.path, p.real];
    if (bypass.some((b) => forms.some((f) => isWithin(f, b)))) continue;
    for (const g of new Set([grant.path, grant.real])) {
      for (const f of forms) {
        const contains = isWithin(f, g);
        if (!contains && !isWithin(g, f)) continue;
        const relation = g === f ? "is" : contains ? "contains" : "lies inside";
        throw new ProfileError(
          `Cannot grant "${grant.path}" (${grant.origin}): it ${relation} the protected path "${p.path}" (${p.group})`,
          {
            hint: contains && g !== f
              ? `grant a narrower path, or pass --bypass-protection ${p.path} if the command must reach it`
              : `pass --bypass-protection ${p.path} if the command must reach it`,
          },
        );
      }
    }
  }
}
