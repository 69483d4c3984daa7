/**
 * The resolved policy: what one `airlock run` grants, after the profile, its `extends`
 * chain, path variables and command-line flags have been merged and validated.
 *
 * A {@linkcode Policy} is plain data (JSON-serialisable): `--dry-run --json` prints it,
 * `airlock why` evaluates it, and a {@linkcode Sandbox} enforces it.
 *
 * @module
 */

import type { RollbackPolicy } from "../rollback/types.ts";
import type { TokenLimits } from "../proxy/token_limits/config.ts";

/** A filesystem right: `read` = read files, list directories, execute; `write` = the full write set. */
export type Access = "read" | "write";

/** One filesystem grant, with an absolute, normalised path. */
export interface PathRule {
  /** Absolute path (variables expanded, `..` removed, symlinks resolved). */
  path: string;
  /** The rights granted beneath `path`. */
  access: Access[];
  /** Where the rule came from, for `why` and `--dry-run`: `profile default: filesystem.read[2]`, `--allow`, `workdir`. */
  origin: string;
  /**
   * `session`: writes land in a per-session layer over the path (a shared cache) where
   * the platform can do that (Linux); absent: writes go through.
   */
  writes?: "session";
}

/** How the command may use the network. */
export type NetworkMode = "proxy" | "none" | "open";

/** Network grants. Ports are TCP; UDP is never allowed unless the mode is `open`. */
export interface NetworkPolicy {
  /** `proxy`: TCP connect only to airlock's proxy port (plus `connectPorts`); `none`: no TCP; `open`: unrestricted. */
  mode: NetworkMode;
  /** TCP ports the command may connect to (not including the proxy's, which is added at launch). */
  connectPorts: number[];
  /** TCP ports the command may bind. */
  bindPorts: number[];
  /** Domains the proxy forwards to for CONNECT and plain HTTP: exact names or `*.suffix`. */
  allowDomains: string[];
  /** Upstream address ranges (CIDR) the proxy may reach although they are private. */
  allowRanges: string[];
  /** Whether new AF_UNIX sockets may be created (seccomp blocks them otherwise). */
  allowUnixSockets: boolean;
  /** Upstream pins in curl's `HOST:PORT:ADDR` syntax (`--resolve`), validated by the proxy. */
  resolve: string[];
  /** Extra CA certificate files (PEM) trusted for upstream TLS (`--upstream-ca`). */
  upstreamCaFiles: string[];
  /**
   * Where each port and domain grant came from, for `why` and `--dry-run`: keys are
   * `connect:PORT`, `bind:PORT` and `domain:NAME`, values origins such as
   * `profile claude-code: network.allow_domains[0]` or `--allow-port`. Optional, so
   * hand-built policies need not carry it.
   */
  origins?: Record<string, string>;
}

/** The command's environment after filtering. */
export interface EnvPolicy {
  /**
   * The environment the command gets: no value that looks like a credential, except for
   * names passed with `--env-secret`/`env.allow_secrets` (listed in `unchecked`) and
   * values given explicitly (`env.set`, `--env NAME=VALUE`).
   */
  vars: Record<string, string>;
  /** Names of airlock's environment the command does not get (names only, sorted). */
  removed: string[];
  /** Names set or overridden by the profile's `env.set` or `--env NAME=VALUE`. */
  set: string[];
  /**
   * Why each removed name was removed: name → reason such as `not on the allowlist` or
   * `the value looks like a GitHub token` (never a value). Optional, so hand-built
   * policies need not carry it.
   */
  reasons?: Record<string, string>;
  /** Why each passed name passed (`allowlist`, `--env`, …); only when explained (`why --env`, `--dry-run`). */
  passed?: Record<string, string>;
  /** Names passed with their value unchecked (`--env-secret`, `env.allow_secrets`). */
  unchecked?: string[];
}

/**
 * Where a route reads its phantom token or injects its credential: a header (with a
 * format such as `Bearer {}`), a query parameter, or the password of `Authorization:
 * Basic` (git, and private package indexes: pip, twine, Poetry send a token so; `user` is
 * the user sent with the real credential, default the request's own, else `token`).
 */
export type RouteSlot =
  | { header: string; format?: string }
  | { query: string }
  | { basic: "password"; user?: string };

/** A custom proxy route declared in a profile (`routes.NAME`). */
export interface RouteConfig {
  /** Upstream base URL, `https://host[:port][/base]`. */
  upstream: string;
  /** Where the phantom token is read: a header (`authorization`, with optional `format` such as `Bearer {}`), a query parameter, or the password of `Authorization: Basic`. */
  token: RouteSlot;
  /** How the real credential is injected: a header with a format such as `token {}`, a query parameter, or as a Basic password (`user` default the request's). */
  inject: RouteSlot;
  /** Variables to set for the command; values may use `{base_url}` and `{token}`. */
  env: Record<string, string>;
  /** Token prefix, so tools that check a key's shape keep working. */
  tokenPrefix?: string;
  /** Upstream time limits in milliseconds (profile `timeouts`: `connect_ms`, `headers_ms`, `idle_ms`, `total_ms`). */
  timeouts?: RouteTimeouts;
}

/** A route's upstream time limits, in milliseconds. */
export interface RouteTimeouts {
  /** Resolving and connecting. */
  connectMs?: number;
  /** From the request to the response headers. */
  headersMs?: number;
  /** Between two chunks of the response body. */
  idleMs?: number;
  /** The whole exchange, body included. */
  totalMs?: number;
}

/** Everything a run grants. */
export interface Policy {
  /** The profile's name (built-in or user) or the path it was loaded from. */
  profile: string;
  /** The profiles merged, base first (`["default", "claude-code"]`). */
  profileChain: string[];
  /** The working directory of the command (absolute). */
  cwd: string;
  /** The workdir granted read+write, or null with `--no-workdir`. */
  workdir: string | null;
  /** Filesystem grants; everything else is denied. */
  paths: PathRule[];
  /** Network grants. */
  network: NetworkPolicy;
  /** The filtered environment. */
  env: EnvPolicy;
  /** Credentials for the proxy: route name → credential reference (`keyring:NAME`, `env:VAR`, `file:PATH`, `cmd:…`). */
  credentials: Record<string, string>;
  /** Custom proxy routes from the profile. */
  routes: Record<string, RouteConfig>;
  /**
   * TLS interception per route (profile `intercept`): `false` turns it off for that route
   * (a CONNECT to its host is then a plain tunnel, if the domain is allowed). Default: on.
   */
  intercept?: Record<string, boolean>;
  /**
   * Limits of each credential's phantom token (profile `limits`, then `--limit` flags);
   * absent in hand-built policies: none.
   */
  limits?: Record<string, TokenLimits>;
  /** Run with what the kernel has instead of failing closed. */
  bestEffort: boolean;
  /** Protected paths the user explicitly allowed with `--bypass-protection`. */
  bypassProtection: string[];
  /**
   * Paths inside the write grants that make code run later (`filesystem.protect`,
   * expanded, existing or not): read-only during the session, put back after it. Optional,
   * so hand-built policies need not carry it.
   */
  protect?: string[];
  /** Rollback of the workdir (profile `rollback`, `guard`); absent in hand-built policies: off. */
  rollback?: RollbackPolicy;
}

/** What the command line (and environment) asks for; `resolvePolicy()` turns it into a {@linkcode Policy}. */
export interface PolicyRequest {
  /** Profile name or path (`default` when not given). */
  profile: string;
  /** `--allow` paths (read+write). */
  allow: string[];
  /** `--read` paths (read+execute). */
  read: string[];
  /** `--write` paths (write set). */
  write: string[];
  /** `--workdir`, or undefined for the current directory. */
  workdir?: string;
  /** `--no-workdir`. */
  noWorkdir: boolean;
  /** `--net`, or undefined for the profile's mode. */
  net?: NetworkMode;
  /** `--allow-port`. */
  allowPorts: number[];
  /** `--listen-port`. */
  listenPorts: number[];
  /** `--allow-unix-sockets`. */
  allowUnixSockets: boolean;
  /** `--allow-domain`. */
  allowDomains: string[];
  /** `--credential NAME[=REF]`. */
  credentials: string[];
  /** `--limit NAME:KEY=VALUE` (absent: none). */
  limits?: string[];
  /** `--bypass-protection`. */
  bypassProtection: string[];
  /** `--resolve HOST:PORT:ADDR`. */
  resolve: string[];
  /** `--upstream-ca FILE`. */
  upstreamCa: string[];
  /** `--best-effort`. */
  bestEffort: boolean;
  /**
   * `--env NAME[=VALUE]`: pass NAME from airlock's environment, or set it.
   * @default []
   */
  envFlags?: string[];
  /**
   * `--env-secret NAME`: pass NAME with its value unchecked.
   * @default []
   */
  envSecrets?: string[];
  /**
   * Record why each variable passed (`EnvPolicy.passed`): `why --env` and `--dry-run`.
   * @default false
   */
  explainEnv?: boolean;
  /** The current directory. */
  cwd: string;
  /** airlock's own environment. */
  env: Record<string, string>;
  /**
   * Create missing directories of profile entries marked `"create": true` (mode 0700).
   * `profile show/check` and `why` pass false to stay free of side effects; the missing
   * directories are then still listed as rules, on their expanded path.
   * @default true
   */
  createDirs?: boolean;
}
