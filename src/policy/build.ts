/**
 * Phase three: a merged profile plus the command-line request becomes a validated
 * {@linkcode Policy} — paths expanded and checked, flags merged, network and
 * credentials validated, environment filtered.
 *
 * @module
 */

import { ipFamily } from "../net/ip.ts";
import { resolve } from "./posix_path.ts";
import { UsageError } from "../errors.ts";
import { filterEnv } from "./env_filter.ts";
import { checkCredentialFiles, credentialEnvSources } from "./credential_exposure.ts";
import { parseEnvFlags } from "./env_flags.ts";
import { buildGrants } from "./grants.ts";
import { expandPath, expandVars, pathVars, realPathOrNull } from "./paths.ts";
import type { MergedProfile, Sourced } from "./profile_types.ts";
import type { NetworkPolicy, Policy, PolicyRequest } from "./types.ts";
import { credentialRefProblem, domainProblem, ROUTE_NAME } from "./syntax.ts";
import { DEFAULT_MAX_BYTES, DEFAULT_MAX_FILES } from "../rollback/types.ts";
import { parseLimitFlag, type TokenLimits } from "../proxy/token_limits/config.ts";

/** Resolves `--workdir` (or the current directory) to a real, existing directory. */
async function resolveWorkdir(req: PolicyRequest, cwd: string): Promise<string> {
  const wanted = resolve(cwd, req.workdir ?? ".");
  const real = await realPathOrNull(wanted);
  if (real === null || !(await Deno.stat(real)).isDirectory) {
    throw new UsageError(`Cannot use --workdir "${req.workdir ?? wanted}": it is not a directory`);
  }
  return real;
}

/**
 * Parses `--credential NAME[=REF]`.
 *
 * @param values The flag values.
 * @returns Route name → reference (`keyring:NAME` when no reference is given).
 * @throws {UsageError} On a bad name or reference.
 * @example
 * ```ts
 * import { parseCredentialFlags } from "./build.ts";
 * const creds = parseCredentialFlags(["anthropic", "openai=env:MY_OPENAI_KEY"]);
 * console.assert(creds.anthropic === "keyring:anthropic" && creds.openai === "env:MY_OPENAI_KEY");
 * ```
 */
export function parseCredentialFlags(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf("=");
    const name = eq < 0 ? value : value.slice(0, eq);
    const ref = eq < 0 ? `keyring:${name}` : value.slice(eq + 1);
    if (!ROUTE_NAME.test(name)) {
      throw new UsageError(
        `Cannot parse --credential: the name must use letters, digits, ".", "_" and "-": current value is "${name}"`,
      );
    }
    const problem = credentialRefProblem(ref);
    if (problem !== null) {
      throw new UsageError(
        `Cannot parse --credential ${name}: the reference ${problem}: the value is not shown as it may be a secret`,
        {
          hint: "use keyring:NAME, env:VAR, file:PATH or cmd:COMMAND",
        },
      );
    }
    out[name] = ref;
  }
  return out;
}

/**
 * The limits of each served credential's token: the profile's `limits`, then each
 * `--limit NAME:KEY=VALUE` (a flag wins over the profile for its key). Limits of a
 * credential the session does not serve are dropped.
 *
 * @param profile The profile's limits.
 * @param flags The `--limit` values.
 * @param credentials The credentials served.
 * @returns Credential name → limits.
 * @throws {UsageError} On a malformed flag, or a flag for a credential not served.
 * @example
 * ```ts
 * import { tokenLimits } from "./build.ts";
 * const l = tokenLimits({}, ["openai:max_requests=5"], { openai: "keyring:openai" });
 * console.assert(l.openai?.maxRequests === 5);
 * ```
 */
export function tokenLimits(
  profile: Record<string, TokenLimits>,
  flags: readonly string[],
  credentials: Record<string, string>,
): Record<string, TokenLimits> {
  const out: Record<string, TokenLimits> = {};
  for (const [name, limits] of Object.entries(profile)) {
    if (name in credentials) out[name] = { ...limits };
  }
  for (const flag of flags) {
    const parsed = parseLimitFlag(flag);
    if ("problem" in parsed) {
      throw new UsageError(
        `Cannot parse --limit: ${parsed.problem}: current value is ${JSON.stringify(flag)}`,
        { hint: "e.g. --limit openai:max_requests=100 --limit openai:models=gpt-4o-mini" },
      );
    }
    if (!(parsed.name in credentials)) {
      throw new UsageError(
        `Cannot use --limit ${parsed.name}:…: the session serves no credential "${parsed.name}"`,
        { hint: `add --credential ${parsed.name}` },
      );
    }
    out[parsed.name] = { ...out[parsed.name], [parsed.field]: parsed.value };
  }
  return out;
}

/**
 * Checks `--resolve HOST:PORT:ADDR` values (curl's syntax; IPv6 addresses in brackets).
 *
 * @param values The flag values.
 * @returns The values unchanged.
 * @throws {UsageError} On a malformed value.
 */
export function checkResolveFlags(values: string[]): string[] {
  for (const value of values) {
    const match = /^([A-Za-z0-9.*-]+):(\d{1,5}):(\[[0-9a-fA-F:.]+\]|[0-9.]+)$/.exec(value);
    const addr = match?.[3]?.replace(/^\[|\]$/g, "") ?? "";
    const port = Number(match?.[2]);
    if (match === null || ipFamily(addr) === 0 || port < 1 || port > 65535) {
      throw new UsageError(
        `Cannot parse --resolve: it must be HOST:PORT:ADDR: current value is "${value}"`,
        {
          hint: "for example --resolve api.example.com:443:10.0.0.5",
        },
      );
    }
  }
  return values;
}

function network(profile: MergedProfile, req: PolicyRequest): NetworkPolicy {
  const origins: Record<string, string> = {};
  const gather = <T extends string | number>(
    prefix: string,
    fromProfile: Sourced<T>[],
    fromFlags: T[],
    flag: string,
  ): T[] => {
    const out: T[] = [];
    for (const item of [...fromProfile, ...fromFlags.map((value) => ({ value, origin: flag }))]) {
      if (out.includes(item.value)) continue;
      out.push(item.value);
      origins[`${prefix}:${item.value}`] = item.origin;
    }
    return out;
  };
  const domains = req.allowDomains.map((d) => d.toLowerCase().replace(/\.$/, ""));
  for (const d of domains) {
    const problem = domainProblem(d);
    if (problem !== null) {
      throw new UsageError(`Cannot parse --allow-domain: it ${problem}: current value is "${d}"`);
    }
  }
  const mode = req.net ?? profile.network.mode ?? "proxy";
  // `none` means no TCP at all: port grants from profiles are dropped, from flags refused.
  if (mode === "none" && (req.allowPorts.length > 0 || req.listenPorts.length > 0)) {
    const flag = req.allowPorts.length > 0 ? "--allow-port" : "--listen-port";
    throw new UsageError(`Cannot combine ${flag} with network mode none: none allows no TCP`, {
      hint: "use --net proxy to allow single ports",
    });
  }
  const none = mode === "none";
  return {
    mode,
    connectPorts: none
      ? []
      : gather("connect", profile.network.allowPorts, req.allowPorts, "--allow-port"),
    bindPorts: none
      ? []
      : gather("bind", profile.network.listenPorts, req.listenPorts, "--listen-port"),
    allowDomains: gather("domain", profile.network.allowDomains, domains, "--allow-domain"),
    allowRanges: profile.network.allowRanges.map((r) => r.value),
    allowUnixSockets: req.allowUnixSockets || (profile.network.allowUnixSockets ?? false),
    resolve: checkResolveFlags(req.resolve),
    upstreamCaFiles: req.upstreamCa.map((f) => resolve(req.cwd, f)),
    origins,
  };
}

async function checkCaFiles(files: string[]): Promise<void> {
  for (const file of files) {
    if (await realPathOrNull(file) === null) {
      throw new UsageError(`Cannot use --upstream-ca "${file}": the file does not exist`);
    }
  }
}

/**
 * Filters airlock's environment under the profile's `env` section and the `--env` flags.
 *
 * @param profile The merged profile.
 * @param req The request (`env`, `envFlags`, `envSecrets`, `explainEnv`).
 * @param credentials Route → credential reference (their `env:` variables never pass).
 * @param set The profile's `env.set`, expanded.
 * @returns The command's environment.
 * @throws {UsageError} On a malformed `--env`/`--env-secret`, or one naming a variable a
 *   credential is read from.
 */
function envPolicy(
  profile: MergedProfile,
  req: PolicyRequest,
  credentials: Record<string, string>,
  set: Record<string, string>,
): Policy["env"] {
  const flags = parseEnvFlags(req.envFlags ?? [], req.envSecrets ?? []);
  // A variable the proxy reads a real key from never reaches the command, allowed or not.
  const sources = credentialEnvSources(credentials);
  for (const [flag, names] of [["--env", flags.pass], ["--env-secret", flags.secret]] as const) {
    const clash = names.find((name) => Object.hasOwn(sources, name));
    if (clash !== undefined) {
      throw new UsageError(
        `Cannot pass ${flag} ${clash}: the proxy reads credential "${
          sources[clash]
        }" from it, and it never reaches the command`,
        { hint: "the command gets a phantom token for the route instead; drop the flag" },
      );
    }
  }
  const unchecked: Record<string, string> = {};
  for (const name of profile.env.allowSecrets) unchecked[name] = "env.allow_secrets";
  for (const name of flags.secret) unchecked[name] = "--env-secret";
  return filterEnv(req.env, {
    allow: profile.env.allow,
    deny: profile.env.deny,
    set,
    pass: flags.pass,
    setByFlag: flags.set,
    unchecked,
    sources,
    explain: req.explainEnv ?? false,
  });
}

/**
 * Builds the policy from a merged profile and a request.
 *
 * @param profile The merged profile (from `loadProfile()`).
 * @param req The request (flags, current directory, environment).
 * @returns The validated policy.
 * @throws {ProfileError} On a missing non-optional profile path or a grant reaching a protected path.
 * @throws {UsageError} On a bad flag value or a missing path named by a flag.
 */
export async function buildPolicy(profile: MergedProfile, req: PolicyRequest): Promise<Policy> {
  const cwd = resolve(req.cwd);
  const workdir = req.noWorkdir ? null : await resolveWorkdir(req, cwd);
  const vars = pathVars(req.env, workdir ?? cwd);
  const bypass = [
    ...profile.bypassProtection.map((b) => expandPath(b.value, vars)),
    ...req.bypassProtection.map((b) => expandPath(b, { ...vars, WORKDIR: cwd })),
  ];
  const paths = await buildGrants(profile, {
    read: req.read,
    write: req.write,
    allow: req.allow,
    workdir,
    cwd,
    bypass,
    createDirs: req.createDirs ?? true,
  }, vars);
  const net = network(profile, req);
  await checkCaFiles(net.upstreamCaFiles);
  const set: Record<string, string> = {};
  for (const [k, v] of Object.entries(profile.env.set)) set[k] = expandVars(v, vars);
  const credentials = { ...profile.credentials, ...parseCredentialFlags(req.credentials) };
  await checkCredentialFiles(credentials, paths, vars);
  const env = envPolicy(profile, req, credentials, set);
  return {
    profile: profile.name,
    profileChain: profile.chain,
    cwd: workdir ?? cwd,
    workdir,
    paths,
    network: net,
    env,
    credentials,
    routes: profile.routes,
    intercept: profile.intercept ?? {},
    limits: tokenLimits(profile.limits ?? {}, req.limits ?? [], credentials),
    bestEffort: req.bestEffort,
    bypassProtection: [...new Set(bypass)],
    protect: [...new Set(profile.filesystem.protect.map((e) => expandPath(e.value.path, vars)))],
    rollback: {
      enabled: profile.rollback?.enabled ?? false,
      exclude: profile.rollback?.exclude ?? [],
      guard: profile.guard ?? [],
      maxFiles: profile.rollback?.maxFiles ?? DEFAULT_MAX_FILES,
      maxBytes: profile.rollback?.maxBytes ?? DEFAULT_MAX_BYTES,
    },
  };
}
