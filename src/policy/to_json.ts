/**
 * Rendering a merged profile back into the on-disk profile format (snake_case keys),
 * for `airlock profile show`: the result is a stand-alone profile without `extends`.
 *
 * @module
 */

import type { MergedProfile, PathEntry, Sourced } from "./profile_types.ts";
import type { RouteConfig } from "./types.ts";

function entries(
  list: Sourced<PathEntry>[],
): (string | { path: string; optional?: true; create?: true })[] {
  return list.map(({ value }) =>
    value.optional || value.create
      ? {
        path: value.path,
        ...(value.optional ? { optional: true as const } : {}),
        ...(value.create ? { create: true as const } : {}),
      }
      : value.path
  );
}

function route(r: RouteConfig): Record<string, unknown> {
  return {
    upstream: r.upstream,
    token: r.token,
    inject: r.inject,
    env: r.env,
    ...(r.tokenPrefix === undefined ? {} : { token_prefix: r.tokenPrefix }),
    ...(r.timeouts === undefined ? {} : {
      timeouts: Object.fromEntries(
        Object.entries({
          connect_ms: r.timeouts.connectMs,
          headers_ms: r.timeouts.headersMs,
          idle_ms: r.timeouts.idleMs,
          total_ms: r.timeouts.totalMs,
        }).filter(([, v]) => v !== undefined),
      ),
    }),
  };
}

/**
 * Converts a merged profile to the profile file format, with every list merged in.
 *
 * @param profile The merged profile.
 * @returns A plain object that `validateProfile()` accepts.
 * @example
 * ```ts
 * import { loadProfile } from "./load.ts";
 * import { profileToJson } from "./to_json.ts";
 * const merged = await loadProfile("default", { env: {}, cwd: "/" });
 * const json = profileToJson(merged) as { network: { mode: string } };
 * console.assert(json.network.mode === "proxy");
 * ```
 */
export function profileToJson(profile: MergedProfile): Record<string, unknown> {
  const net = profile.network;
  return {
    description: profile.description,
    filesystem: {
      read: entries(profile.filesystem.read),
      write: entries(profile.filesystem.write),
      allow: entries(profile.filesystem.allow),
      protect: entries(profile.filesystem.protect),
    },
    network: {
      ...(net.mode === undefined ? {} : { mode: net.mode }),
      allow_ports: net.allowPorts.map((p) => p.value),
      listen_ports: net.listenPorts.map((p) => p.value),
      allow_domains: net.allowDomains.map((d) => d.value),
      allow_ranges: net.allowRanges.map((r) => r.value),
      ...(net.allowUnixSockets === undefined ? {} : { allow_unix_sockets: net.allowUnixSockets }),
    },
    env: {
      allow: profile.env.allow,
      deny: profile.env.deny,
      allow_secrets: profile.env.allowSecrets,
      set: profile.env.set,
    },
    credentials: profile.credentials,
    routes: Object.fromEntries(Object.entries(profile.routes).map(([k, r]) => [k, route(r)])),
    bypass_protection: profile.bypassProtection.map((b) => b.value),
    rollback: {
      ...(profile.rollback?.enabled === undefined ? {} : { enabled: profile.rollback.enabled }),
      exclude: profile.rollback?.exclude ?? [],
      ...(profile.rollback?.maxFiles === undefined ? {} : { max_files: profile.rollback.maxFiles }),
      ...(profile.rollback?.maxBytes === undefined ? {} : { max_bytes: profile.rollback.maxBytes }),
    },
    guard: profile.guard ?? [],
  };
}
