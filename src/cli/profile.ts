/**
 * `airlock profile list | show | check | schema`: inspect the built-in and user
 * profiles, validate a profile file, print the JSON Schema.
 *
 * `show` and `check` resolve the policy without the workdir grant (as with
 * `--no-workdir`), so they answer the same from any directory.
 *
 * @module
 */

import type { Command } from "commander";
import { buildPolicy } from "../policy/build.ts";
import { loadProfile } from "../policy/load.ts";
import { profileFromSource } from "../policy/from_source.ts";
import { BUILTIN_PROFILES, builtinUrl, findProfile, userProfiles } from "../policy/locate.ts";
import type { MergedProfile, PathEntry, Sourced } from "../policy/profile_types.ts";
import { profileToJson } from "../policy/to_json.ts";
import type { Policy, PolicyRequest } from "../policy/types.ts";
import { policyRequestFromFlags } from "./policy_flags.ts";

/** One row of `profile list`. */
export interface ProfileListing {
  /** The profile's name. */
  name: string;
  /** `built-in` or `user`. */
  source: "built-in" | "user";
  /** The file it is read from. */
  file: string;
  /** Its description, or the reason it cannot be loaded. */
  description: string;
  /** Whether a user profile hides a built-in of the same name (or is hidden, for built-ins). */
  shadowed: boolean;
}

/**
 * Lists the built-in and user profiles with their descriptions.
 *
 * @param env The environment (for `$XDG_CONFIG_HOME`).
 * @returns Built-ins first, then user profiles by name.
 */
export async function listProfiles(env: Record<string, string>): Promise<ProfileListing[]> {
  const users = await userProfiles(env);
  const userNames = new Set(users.map((u) => u.name));
  const rows: ProfileListing[] = [];
  for (const name of BUILTIN_PROFILES) {
    const source = await findProfile(name, { env, baseDir: "/", builtinOnly: true });
    rows.push({
      name,
      source: "built-in",
      file: source.file,
      description: profileFromSource(source).description,
      shadowed: userNames.has(name),
    });
  }
  for (const user of users) {
    let description: string;
    try {
      const text = await Deno.readTextFile(user.file);
      description = profileFromSource({ name: user.name, file: user.file, builtin: false, text })
        .description;
    } catch (err) {
      description = `(invalid: ${err instanceof Error ? err.message : String(err)})`;
    }
    rows.push({
      name: user.name,
      source: "user",
      file: user.file,
      description,
      shadowed: (BUILTIN_PROFILES as readonly string[]).includes(user.name),
    });
  }
  return rows;
}

/** A request for the profile alone: no flags, no workdir, nothing created. */
function bareRequest(profile: string): PolicyRequest {
  return { ...policyRequestFromFlags({}), profile, noWorkdir: true, createDirs: false };
}

/** Loads and resolves a profile as `show` and `check` do. */
async function resolveBare(ref: string): Promise<{ merged: MergedProfile; policy: Policy }> {
  const req = bareRequest(ref);
  const merged = await loadProfile(ref, { env: req.env, cwd: req.cwd });
  return { merged, policy: await buildPolicy(merged, req) };
}

function pathLines(label: string, list: Sourced<PathEntry>[]): string[] {
  return list.map((e) =>
    `  ${label.padEnd(10)} ${
      (e.value.path +
        (e.value.create ? " (created if missing)" : e.value.optional ? " (optional)" : "")).padEnd(
          44,
        )
    } ${e.origin}`
  );
}

/**
 * Formats a merged profile for people.
 *
 * @param merged The merged profile.
 * @returns Lines of text.
 */
export function formatProfile(merged: MergedProfile): string {
  const net = merged.network;
  const lines = [
    `profile ${merged.name} (${merged.file})`,
    ...(merged.description ? [`  ${merged.description}`] : []),
    `chain: ${merged.chain.join(" → ")}`,
    "filesystem:",
    ...pathLines("read", merged.filesystem.read),
    ...pathLines("write", merged.filesystem.write),
    ...pathLines("read+write", merged.filesystem.allow),
    `network: mode ${net.mode ?? "proxy"}`,
    `  domains: ${net.allowDomains.map((d) => d.value).join(", ") || "none"}`,
    `  connect ports: ${net.allowPorts.map((p) => p.value).join(", ") || "none"}`,
    `  listen ports: ${net.listenPorts.map((p) => p.value).join(", ") || "none"}`,
    `  private ranges: ${net.allowRanges.map((r) => r.value).join(", ") || "none"}`,
    `  unix sockets: ${net.allowUnixSockets ? "allowed" : "denied"}`,
    `env: allow ${merged.env.allow.join(", ") || "none"}; deny ${
      merged.env.deny.join(", ") || "none"
    }${
      merged.env.allowSecrets.length > 0
        ? `; unchecked values ${merged.env.allowSecrets.join(", ")}`
        : ""
    }`,
    ...Object.entries(merged.env.set).map(([k, v]) => `  set ${k}=${v}`),
    `credentials: ${
      Object.entries(merged.credentials).map(([k, v]) => `${k}=${v}`).join(", ") || "none"
    }`,
    `routes: ${Object.keys(merged.routes).join(", ") || "none"}`,
  ];
  if (merged.bypassProtection.length > 0) {
    lines.push(`bypass protection: ${merged.bypassProtection.map((b) => b.value).join(", ")}`);
  }
  return lines.join("\n");
}

/**
 * Registers `airlock profile` and its subcommands.
 *
 * @param program The root program.
 */
export function register(program: Command): void {
  const profile = program.command("profile").description("list, show and check profiles");

  profile.command("list")
    .description("list the built-in and user profiles")
    .option("--json", "print JSON")
    .action(async (values: { json?: boolean }) => {
      const rows = await listProfiles(Deno.env.toObject());
      if (values.json) {
        console.log(JSON.stringify(rows, null, 2));
        return;
      }
      const width = Math.max(...rows.map((r) => r.name.length));
      for (const r of rows) {
        const note = r.shadowed
          ? (r.source === "user" ? " (overrides built-in)" : " (overridden)")
          : "";
        console.log(`${r.name.padEnd(width)}  ${r.source.padEnd(8)}  ${r.description}${note}`);
      }
    });

  profile.command("show")
    .description("show a profile merged with its extends chain (--json: also the resolved policy)")
    .argument("<name|path>", "profile name or file")
    .option("--json", "print JSON")
    .action(async (ref: string, values: { json?: boolean }) => {
      const { merged, policy } = await resolveBare(ref);
      if (!values.json) {
        console.log(formatProfile(merged));
        return;
      }
      const out = {
        name: merged.name,
        file: merged.file,
        chain: merged.chain,
        profile: profileToJson(merged),
        policy,
      };
      console.log(JSON.stringify(out, null, 2));
    });

  profile.command("check")
    .description("validate a profile (exit 0 when valid, 125 with the error otherwise)")
    .argument("<file|name>", "profile file or name")
    .action(async (ref: string) => {
      const { merged, policy } = await resolveBare(ref);
      console.log(
        `profile "${merged.name}" is valid: ${policy.paths.length} filesystem grants on this machine, chain ${
          merged.chain.join(" → ")
        }`,
      );
    });

  profile.command("schema")
    .description("print the JSON Schema of profiles")
    .action(async () => {
      console.log((await Deno.readTextFile(builtinUrl("schema.json"))).trimEnd());
    });
}
