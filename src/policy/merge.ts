/**
 * Merging a profile with the profiles it extends: lists are concatenated base first
 * (duplicates dropped, the first origin kept), scalars and map keys from later profiles
 * win, and the description is the extending profile's own.
 *
 * @module
 */

import type { MergedProfile, ProfileDoc, Sourced } from "./profile_types.ts";
import type { TokenLimits } from "../proxy/token_limits/config.ts";

function concat<T>(lists: Sourced<T>[][], key: (v: T) => string): Sourced<T>[] {
  const seen = new Set<string>();
  const out: Sourced<T>[] = [];
  for (const item of lists.flat()) {
    const k = key(item.value);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(item);
  }
  return out;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** The scalar rollback settings a profile states (later profiles override them). */
function definedOnly(
  r: NonNullable<ProfileDoc["rollback"]>,
): Partial<NonNullable<ProfileDoc["rollback"]>> {
  const out: Partial<NonNullable<ProfileDoc["rollback"]>> = {};
  if (r.enabled !== undefined) out.enabled = r.enabled;
  if (r.maxFiles !== undefined) out.maxFiles = r.maxFiles;
  if (r.maxBytes !== undefined) out.maxBytes = r.maxBytes;
  return out;
}

/**
 * Merges profiles given base first; the last one is the profile asked for.
 *
 * @param docs The profiles in merge order (non-empty).
 * @returns The merged profile, named after the last one.
 * @throws {RangeError} When `docs` is empty.
 * @example Later profiles win on scalars, lists are concatenated
 * ```ts
 * import { mergeProfiles } from "./merge.ts";
 * import { validateProfile } from "./validate.ts";
 * const base = validateProfile({ network: { mode: "proxy", allow_ports: [443] } },
 *   { name: "base", file: "b.json", builtin: false });
 * const top = validateProfile({ extends: "base", network: { mode: "none", allow_ports: [80] } },
 *   { name: "top", file: "t.json", builtin: false });
 * const merged = mergeProfiles([base, top]);
 * console.assert(merged.network.mode === "none");
 * console.assert(merged.network.allowPorts.map((p) => p.value).join() === "443,80");
 * console.assert(merged.chain.join() === "base,top");
 * ```
 */
export function mergeProfiles(docs: ProfileDoc[]): MergedProfile {
  const top = docs[docs.length - 1];
  if (top === undefined) throw new RangeError("Cannot merge profiles: the list is empty");
  const pathKey = (e: { path: string; optional: boolean }) => e.path;
  const id = (v: string | number) => String(v);
  let mode = undefined as ProfileDoc["network"]["mode"];
  let allowUnixSockets: boolean | undefined;
  for (const doc of docs) {
    mode = doc.network.mode ?? mode;
    allowUnixSockets = doc.network.allowUnixSockets ?? allowUnixSockets;
  }
  return {
    name: top.name,
    file: top.file,
    builtin: top.builtin,
    description: top.description,
    extends: top.extends,
    chain: docs.map((d) => d.name),
    filesystem: {
      read: concat(docs.map((d) => d.filesystem.read), pathKey),
      write: concat(docs.map((d) => d.filesystem.write), pathKey),
      allow: concat(docs.map((d) => d.filesystem.allow), pathKey),
      protect: concat(docs.map((d) => d.filesystem.protect), pathKey),
    },
    network: {
      ...(mode === undefined ? {} : { mode }),
      allowPorts: concat(docs.map((d) => d.network.allowPorts), id),
      listenPorts: concat(docs.map((d) => d.network.listenPorts), id),
      allowDomains: concat(docs.map((d) => d.network.allowDomains), id),
      allowRanges: concat(docs.map((d) => d.network.allowRanges), id),
      ...(allowUnixSockets === undefined ? {} : { allowUnixSockets }),
    },
    env: {
      allow: unique(docs.flatMap((d) => d.env.allow)),
      deny: unique(docs.flatMap((d) => d.env.deny)),
      allowSecrets: unique(docs.flatMap((d) => d.env.allowSecrets)),
      set: Object.assign({}, ...docs.map((d) => d.env.set)),
    },
    credentials: Object.assign({}, ...docs.map((d) => d.credentials)),
    routes: Object.assign({}, ...docs.map((d) => d.routes)),
    intercept: Object.assign({}, ...docs.map((d) => d.intercept ?? {})),
    limits: mergeLimits(docs.map((d) => d.limits ?? {})),
    bypassProtection: concat(docs.map((d) => d.bypassProtection), id),
    rollback: {
      ...Object.assign({}, ...docs.map((d) => definedOnly(d.rollback ?? { exclude: [] }))),
      exclude: unique(docs.flatMap((d) => d.rollback?.exclude ?? [])),
    },
    guard: unique(docs.flatMap((d) => d.guard ?? [])),
  };
}

/**
 * Merges `limits` sections: per credential, a later profile's keys win over an earlier one's.
 *
 * @param sections The sections, base first.
 * @returns The merged section.
 */
function mergeLimits(
  sections: Record<string, TokenLimits>[],
): Record<string, TokenLimits> {
  const out: Record<string, TokenLimits> = {};
  for (const section of sections) {
    for (const [name, limits] of Object.entries(section)) out[name] = { ...out[name], ...limits };
  }
  return out;
}
