/**
 * Phase two of loading a profile: checks the parsed value's shape (known keys, types,
 * port ranges, modes, path syntax, domain and CIDR syntax) and turns it into a
 * {@linkcode ProfileDoc} whose entries carry their origin. No I/O happens here: whether
 * paths exist is checked when the policy is built.
 *
 * @module
 */

import { pathSyntaxProblem } from "./paths.ts";
import { ProfileProblem } from "./problem.ts";
import type {
  EnvSection,
  NetworkSection,
  PathEntry,
  ProfileDoc,
  Sourced,
} from "./profile_types.ts";
import type { NetworkMode, RouteConfig } from "./types.ts";
import {
  cidrProblem,
  credentialRefProblem,
  domainProblem,
  ENV_GLOB,
  ENV_NAME,
  NETWORK_MODES,
  ROUTE_NAME,
} from "./syntax.ts";
import { validateRoute } from "./validate_route.ts";
import { LIMIT_KEYS, parseLimit, type TokenLimits } from "../proxy/token_limits/config.ts";
import { ROLLBACK_KEYS, validateGuard, validateRollback } from "./validate_rollback.ts";

/** Known keys of each object in a profile, as documented in `policies/schema.json`. */
export const PROFILE_KEYS = {
  "": [
    "$schema",
    "description",
    "extends",
    "filesystem",
    "network",
    "env",
    "credentials",
    "routes",
    "intercept",
    "limits",
    "bypass_protection",
    "rollback",
    "guard",
  ],
  filesystem: ["read", "write", "allow", "protect"],
  "filesystem entry": ["path", "optional", "create", "writes"],
  network: [
    "mode",
    "allow_ports",
    "listen_ports",
    "allow_domains",
    "allow_ranges",
    "allow_unix_sockets",
  ],
  env: ["allow", "deny", "allow_secrets", "set"],
  route: ["upstream", "token", "inject", "env", "token_prefix"],
  rollback: ROLLBACK_KEYS,
} as const;

function pathEntries(p: ProfileProblem, key: string, value: unknown): Sourced<PathEntry>[] {
  return p.array(key, value).map((item, i) => {
    const where = `${key}[${i}]`;
    let entry: PathEntry;
    if (typeof item === "string") {
      entry = { path: item, optional: false, create: false };
    } else if (typeof item === "object" && item !== null && !Array.isArray(item)) {
      const obj = p.object(where, item, PROFILE_KEYS["filesystem entry"]);
      if (typeof obj.path !== "string") throw p.at(`${where}.path`, "must be a string", obj.path);
      for (const flag of ["optional", "create"] as const) {
        if (obj[flag] !== undefined && typeof obj[flag] !== "boolean") {
          throw p.at(`${where}.${flag}`, "must be true or false", obj[flag]);
        }
      }
      if (obj.writes !== undefined && obj.writes !== "session" && obj.writes !== "shared") {
        throw p.at(`${where}.writes`, 'must be "session" or "shared"', obj.writes);
      }
      entry = { path: obj.path, optional: obj.optional === true, create: obj.create === true };
      if (obj.writes === "session") entry.writes = "session";
    } else {
      throw p.at(where, 'must be a path or { "path": ..., "optional": true }', item);
    }
    const problem = pathSyntaxProblem(entry.path);
    if (problem !== null) {
      throw p.at(
        where,
        problem,
        entry.path,
        "start paths with /, ~/ or $HOME, $WORKDIR, $TMPDIR, $XDG_…",
      );
    }
    return { value: entry, origin: `profile ${p.name}: ${where}` };
  });
}

function ports(p: ProfileProblem, key: string, value: unknown): Sourced<number>[] {
  return p.array(key, value).map((item, i) => {
    const where = `${key}[${i}]`;
    if (typeof item !== "number" || !Number.isInteger(item) || item < 1 || item > 65535) {
      throw p.at(where, "must be an integer from 1 to 65535", item);
    }
    return { value: item, origin: `profile ${p.name}: ${where}` };
  });
}

function network(p: ProfileProblem, value: unknown): NetworkSection {
  const obj = p.object("network", value ?? {}, PROFILE_KEYS.network);
  if (obj.mode !== undefined && !NETWORK_MODES.includes(obj.mode as NetworkMode)) {
    throw p.at("network.mode", `must be one of ${NETWORK_MODES.join(", ")}`, obj.mode);
  }
  if (obj.allow_unix_sockets !== undefined && typeof obj.allow_unix_sockets !== "boolean") {
    throw p.at("network.allow_unix_sockets", "must be true or false", obj.allow_unix_sockets);
  }
  return {
    ...(obj.mode === undefined ? {} : { mode: obj.mode as NetworkMode }),
    allowPorts: ports(p, "network.allow_ports", obj.allow_ports),
    listenPorts: ports(p, "network.listen_ports", obj.listen_ports),
    allowDomains: p.strings("network.allow_domains", obj.allow_domains, domainProblem),
    allowRanges: p.strings("network.allow_ranges", obj.allow_ranges, cidrProblem),
    ...(obj.allow_unix_sockets === undefined ? {} : { allowUnixSockets: obj.allow_unix_sockets }),
  };
}

function env(p: ProfileProblem, value: unknown): EnvSection {
  const obj = p.object("env", value ?? {}, PROFILE_KEYS.env);
  const glob = (s: string) => ENV_GLOB.test(s) ? null : "must be a variable name or glob";
  const name = (s: string) => ENV_NAME.test(s) ? null : "must be a variable name (no glob)";
  const set: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.object("env.set", obj.set ?? {}, null))) {
    if (!ENV_NAME.test(k)) throw p.at(`env.set`, `has an invalid variable name "${k}"`, k);
    if (typeof v !== "string") throw p.at(`env.set.${k}`, "must be a string", v);
    set[k] = v;
  }
  return {
    allow: p.strings("env.allow", obj.allow, glob).map((s) => s.value),
    deny: p.strings("env.deny", obj.deny, glob).map((s) => s.value),
    allowSecrets: p.strings("env.allow_secrets", obj.allow_secrets, name).map((s) => s.value),
    set,
  };
}

function credentials(p: ProfileProblem, value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.object("credentials", value ?? {}, null))) {
    if (!ROUTE_NAME.test(k)) throw p.at("credentials", `has an invalid route name "${k}"`, k);
    const problem = typeof v === "string" ? credentialRefProblem(v) : "must be a string";
    if (problem !== null) {
      throw p.hidden(
        `credentials.${k}`,
        problem,
        "use keyring:NAME, env:VAR, file:PATH or cmd:COMMAND",
      );
    }
    out[k] = v as string;
  }
  return out;
}

function intercept(p: ProfileProblem, value: unknown): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const [k, v] of Object.entries(p.object("intercept", value ?? {}, null))) {
    if (!ROUTE_NAME.test(k)) throw p.at("intercept", `has an invalid route name "${k}"`, k);
    if (typeof v !== "boolean") throw p.at(`intercept.${k}`, "must be true or false", v);
    out[k] = v;
  }
  return out;
}

function limits(p: ProfileProblem, value: unknown): Record<string, TokenLimits> {
  const out: Record<string, TokenLimits> = {};
  for (const [k, v] of Object.entries(p.object("limits", value ?? {}, null))) {
    if (!ROUTE_NAME.test(k)) throw p.at("limits", `has an invalid credential name "${k}"`, k);
    const one: Record<string, unknown> = {};
    for (const [key, raw] of Object.entries(p.object(`limits.${k}`, v, LIMIT_KEYS))) {
      const parsed = parseLimit(key, raw);
      if (!parsed.ok) throw p.at(`limits.${k}.${key}`, parsed.problem, raw);
      one[parsed.field] = parsed.value;
    }
    out[k] = one as TokenLimits;
  }
  return out;
}

function routes(p: ProfileProblem, value: unknown): Record<string, RouteConfig> {
  const out: Record<string, RouteConfig> = {};
  for (const [k, v] of Object.entries(p.object("routes", value ?? {}, null))) {
    if (!ROUTE_NAME.test(k)) throw p.at("routes", `has an invalid route name "${k}"`, k);
    out[k] = validateRoute(p, `routes.${k}`, v);
  }
  return out;
}

/**
 * Validates a parsed profile's shape and returns it typed, with origins on every entry.
 *
 * @param raw The value from `parseProfileText()`.
 * @param meta The profile's name, file and whether it is built in.
 * @returns The typed profile.
 * @throws {ProfileError} Naming the first bad key and its value.
 * @example
 * ```ts
 * import { validateProfile } from "./validate.ts";
 * const doc = validateProfile(
 *   { extends: "default", filesystem: { read: ["~/.gitconfig"] } },
 *   { name: "dev", file: "/tmp/dev.json", builtin: false },
 * );
 * console.assert(doc.extends[0] === "default");
 * console.assert(doc.filesystem.read[0]?.origin === "profile dev: filesystem.read[0]");
 * ```
 */
export function validateProfile(
  raw: unknown,
  meta: { name: string; file: string; builtin: boolean },
): ProfileDoc {
  const p = new ProfileProblem(meta.name);
  const top = p.object("", raw, PROFILE_KEYS[""]);
  if (top.$schema !== undefined && typeof top.$schema !== "string") {
    throw p.at("$schema", "must be a string", top.$schema);
  }
  if (top.description !== undefined && typeof top.description !== "string") {
    throw p.at("description", "must be a string", top.description);
  }
  const ext = typeof top.extends === "string" ? [top.extends] : top.extends;
  const fs = p.object("filesystem", top.filesystem ?? {}, PROFILE_KEYS.filesystem);
  return {
    ...meta,
    description: top.description ?? "",
    extends: p.strings("extends", ext, (s) => s === "" ? "must not be empty" : null)
      .map((s) => s.value),
    filesystem: {
      read: pathEntries(p, "filesystem.read", fs.read),
      write: pathEntries(p, "filesystem.write", fs.write),
      allow: pathEntries(p, "filesystem.allow", fs.allow),
      protect: pathEntries(p, "filesystem.protect", fs.protect),
    },
    network: network(p, top.network),
    env: env(p, top.env),
    credentials: credentials(p, top.credentials),
    routes: routes(p, top.routes),
    intercept: intercept(p, top.intercept),
    limits: limits(p, top.limits),
    bypassProtection: p.strings("bypass_protection", top.bypass_protection, pathSyntaxProblem),
    rollback: validateRollback(p, top.rollback),
    guard: validateGuard(p, top.guard),
  };
}
