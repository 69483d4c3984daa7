/**
 * Types of a profile as written on disk (after parsing and shape validation) and of a
 * profile chain merged through `extends`. Paths here are still unexpanded (`~/.claude`,
 * `$XDG_CONFIG_HOME/opencode`); `buildPolicy()` expands, checks and resolves them.
 *
 * Every list entry carries its origin (`profile default: filesystem.read[3]`) so that
 * `airlock why` and `--dry-run` can say which rule granted what.
 *
 * @module
 */

import type { NetworkMode, RouteConfig } from "./types.ts";
import type { TokenLimits } from "../proxy/token_limits/config.ts";

/** A value with the place it was written, e.g. `profile default: filesystem.read[3]`. */
export interface Sourced<T> {
  /** The value as written. */
  value: T;
  /** Where it was written. */
  origin: string;
}

/** One `filesystem.*` entry: a path (unexpanded) and whether it may be missing. */
export interface PathEntry {
  /** The path as written (absolute, `~`-relative or starting with a variable). */
  path: string;
  /** Skip the entry silently when the path does not exist. */
  optional: boolean;
  /** Create the directory (mode 0700, with parents) when it is missing, before the run. */
  create: boolean;
  /**
   * `session`: the command's writes beneath the path land in a layer of its own, discarded
   * when the session ends (a shared cache, so a session cannot plant what a later,
   * unconfined `npx` or `pip` runs). Absent (`"shared"` in a profile): writes go through.
   */
  writes?: "session";
}

/** The `filesystem` section. */
export interface FilesystemSection {
  /** Read and execute beneath each path. */
  read: Sourced<PathEntry>[];
  /** The write set beneath each path (no read). */
  write: Sourced<PathEntry>[];
  /** Read and write beneath each path. */
  allow: Sourced<PathEntry>[];
  /**
   * Paths inside the write grants whose content makes code run later (an agent's hooks,
   * MCP servers, notify commands): read-only during the session where they exist, and put
   * back when it ends if the command created or changed them.
   */
  protect: Sourced<PathEntry>[];
}

/** The `network` section. */
export interface NetworkSection {
  /** `proxy`, `none` or `open`; undefined when the profile does not say. */
  mode?: NetworkMode;
  /** TCP ports the command may connect to. */
  allowPorts: Sourced<number>[];
  /** TCP ports the command may bind. */
  listenPorts: Sourced<number>[];
  /** Domains the proxy may reach: exact names or `*.suffix`, lower case. */
  allowDomains: Sourced<string>[];
  /** Private upstream ranges (CIDR) the proxy may reach. */
  allowRanges: Sourced<string>[];
  /** Whether AF_UNIX sockets may be created; undefined when the profile does not say. */
  allowUnixSockets?: boolean;
}

/** The `env` section. */
export interface EnvSection {
  /** Names or globs passed besides the built-in allowlist (a glob never passes a credential-looking name). */
  allow: string[];
  /** Names or globs removed although allowed. */
  deny: string[];
  /** Exact names passed with their value unchecked, even when it looks like a credential. */
  allowSecrets: string[];
  /** Variables set for the command (values may use path variables). */
  set: Record<string, string>;
}

/** The `rollback` section (`true` is `{ "enabled": true }`). */
export interface RollbackSection {
  /** Whether runs snapshot the workdir; undefined when the profile does not say. */
  enabled?: boolean;
  /** Patterns (gitignore syntax) left out of snapshots. */
  exclude: string[];
  /** Most files a snapshot may record; undefined when the profile does not say. */
  maxFiles?: number;
  /** Most bytes a snapshot may record; undefined when the profile does not say. */
  maxBytes?: number;
}

/** One profile file after parsing and shape validation. */
export interface ProfileDoc {
  /** The profile's name (built-in or user) or the file path it was loaded from. */
  name: string;
  /** The file it was read from (a `file:` URL for built-ins is shown as a path). */
  file: string;
  /** Whether it is one of airlock's built-in profiles. */
  builtin: boolean;
  /** One line saying what the profile is for. */
  description: string;
  /** The profiles it extends, in order (names or paths, as written). */
  extends: string[];
  /** Filesystem grants. */
  filesystem: FilesystemSection;
  /** Network grants. */
  network: NetworkSection;
  /** Environment filtering. */
  env: EnvSection;
  /** Credential references by route name. */
  credentials: Record<string, string>;
  /** Custom proxy routes by name. */
  routes: Record<string, RouteConfig>;
  /** TLS interception per route (`false`: a CONNECT to its host stays a tunnel); absent in hand-built profiles. */
  intercept?: Record<string, boolean>;
  /** Per-token limits by credential name; absent in hand-built profiles. */
  limits?: Record<string, TokenLimits>;
  /** Protected paths this profile deliberately lets grants reach. */
  bypassProtection: Sourced<string>[];
  /** Rollback settings (absent in hand-built profiles: rollback off). */
  rollback?: RollbackSection;
  /** Guard patterns added to the built-in guarded paths. */
  guard?: string[];
}

/** A profile with its `extends` chain merged in (base first). */
export interface MergedProfile extends ProfileDoc {
  /** The profiles merged, base first; the last is this profile. */
  chain: string[];
}
