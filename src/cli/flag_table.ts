/**
 * The policy flags of `run`, `shell`, `why` and `proxy`, declared once as data. Commander
 * builds its options (help, validation, errors) from this table, and the fast `run` path
 * (`fast_run.ts`) builds its `arg` parser from the same table, so the two can never
 * disagree about a flag's name, value or repetition.
 *
 * @module
 */

/** One flag. */
export interface FlagSpec {
  /** Long name without dashes (`allow-port`). */
  long: string;
  /** One-letter short name, if any. */
  short?: string;
  /** Placeholder of the value (`port`), or absent for a boolean flag. */
  value?: string;
  /** Whether the flag may be given several times (values collect into a list). */
  repeatable?: boolean;
  /** The only values accepted. */
  choices?: readonly string[];
  /** Value used when the flag is absent. */
  default?: string;
  /** One line for `--help`. */
  description: string;
}

/** The policy flags, in `--help` order. */
export const POLICY_FLAGS: readonly FlagSpec[] = [
  {
    long: "profile",
    short: "p",
    value: "name|path",
    default: "default",
    description: "profile name or JSON(C) file",
  },
  {
    long: "allow",
    short: "a",
    value: "path",
    repeatable: true,
    description: "grant read+write beneath PATH (repeatable)",
  },
  {
    long: "read",
    short: "r",
    value: "path",
    repeatable: true,
    description: "grant read+execute beneath PATH (repeatable)",
  },
  {
    long: "write",
    short: "w",
    value: "path",
    repeatable: true,
    description: "grant the write set beneath PATH (repeatable)",
  },
  {
    long: "workdir",
    value: "dir",
    description: "working directory, granted read+write (default: current directory)",
  },
  { long: "no-workdir", description: "do not grant the working directory" },
  {
    long: "net",
    value: "mode",
    choices: ["proxy", "none", "open"],
    description: "network: proxy (default), none or open",
  },
  {
    long: "allow-port",
    value: "port",
    repeatable: true,
    description: "allow TCP connect to PORT (repeatable)",
  },
  {
    long: "listen-port",
    value: "port",
    repeatable: true,
    description: "allow TCP bind to PORT (repeatable)",
  },
  { long: "allow-unix-sockets", description: "allow creating AF_UNIX sockets" },
  {
    long: "allow-domain",
    value: "host",
    repeatable: true,
    description: "let the proxy reach HOST or *.SUFFIX (repeatable)",
  },
  {
    long: "credential",
    value: "name[=ref]",
    repeatable: true,
    description:
      "serve credential NAME through the proxy, from REF (default keyring:NAME; repeatable)",
  },
  {
    long: "limit",
    value: "name:key=value",
    repeatable: true,
    description:
      "limit credential NAME's token: max_requests, requests_per_minute, max_tokens, models, expires (repeatable)",
  },
  {
    long: "bypass-protection",
    value: "path",
    repeatable: true,
    description: "allow a grant containing protected PATH (repeatable)",
  },
  {
    long: "resolve",
    value: "host:port:addr",
    repeatable: true,
    description: "pin an upstream host to an address (repeatable)",
  },
  {
    long: "upstream-ca",
    value: "file",
    repeatable: true,
    description: "trust this PEM CA for upstream TLS (repeatable)",
  },
  {
    long: "best-effort",
    description: "run with what the kernel supports instead of failing closed",
  },
  {
    long: "env",
    value: "name[=value]",
    repeatable: true,
    description: "pass variable NAME from this environment, or set NAME=VALUE (repeatable)",
  },
  {
    long: "env-secret",
    value: "name",
    repeatable: true,
    description: "pass NAME even if its value looks like a credential (repeatable)",
  },
];

/** The flags `run` and `shell` add to the policy flags. */
export const RUN_FLAGS: readonly FlagSpec[] = [
  { long: "dry-run", description: "print the effective policy and exit" },
  { long: "json", description: "with --dry-run: print JSON" },
  { long: "keep-tmp", description: "keep the sandbox's private /tmp when the session ends" },
  {
    long: "trust-override",
    description: "skip the verification of instruction files for this run (recorded)",
  },
  {
    long: "rollback",
    description: "snapshot the workdir first; summary and guard after (default: the profile's)",
  },
  { long: "no-rollback", description: "take no snapshot, even when the profile turns rollback on" },
  {
    long: "accept-guarded",
    description: "with rollback: keep the command's changes to guarded paths (git hooks, …)",
  },
];

/**
 * The camelCase key commander stores a flag under (`allow-port` → `allowPort`;
 * `no-workdir` → `workdir`, set to false).
 *
 * @param long The long name without dashes.
 * @returns The key.
 * @example
 * ```ts
 * import { flagKey } from "./flag_table.ts";
 * console.assert(flagKey("allow-unix-sockets") === "allowUnixSockets");
 * console.assert(flagKey("no-workdir") === "workdir");
 * ```
 */
export function flagKey(long: string): string {
  return long.replace(/^no-/, "").replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * The commander flag syntax of a spec (`-p, --profile <name|path>`).
 *
 * @param spec The flag.
 * @returns The syntax string commander parses.
 * @example
 * ```ts
 * import { POLICY_FLAGS, commanderSyntax } from "./flag_table.ts";
 * console.assert(commanderSyntax(POLICY_FLAGS[0]!) === "-p, --profile <name|path>");
 * ```
 */
export function commanderSyntax(spec: FlagSpec): string {
  const short = spec.short ? `-${spec.short}, ` : "";
  const value = spec.value ? ` <${spec.value}>` : "";
  return `${short}--${spec.long}${value}`;
}
