/**
 * The flags shared by `run`, `shell`, `why` and `proxy` that shape a policy, and their
 * conversion into a {@linkcode PolicyRequest}.
 *
 * @module
 */

import type { Command } from "commander";
import { commanderSyntax, type FlagSpec, POLICY_FLAGS } from "./flag_table.ts";
import { UsageError } from "../errors.ts";
import type { NetworkMode, PolicyRequest } from "../policy/types.ts";

/** Raw option values as commander parses them. */
export interface PolicyFlagValues {
  /** `--profile`: profile name or JSON(C) file path. */
  profile?: string;
  /** `--allow`: paths granted read+write. */
  allow?: string[];
  /** `--read`: paths granted read+execute. */
  read?: string[];
  /** `--write`: paths granted the write set. */
  write?: string[];
  /** `--workdir` directory, or `false` from `--no-workdir`. */
  workdir?: string | boolean;
  /** `--net`: network mode (`proxy`, `none` or `open`). */
  net?: string;
  /** `--allow-port`: raw TCP connect ports. */
  allowPort?: string[];
  /** `--listen-port`: raw TCP bind ports. */
  listenPort?: string[];
  /** `--allow-unix-sockets`: allow creating AF_UNIX sockets. */
  allowUnixSockets?: boolean;
  /** `--allow-domain`: hosts or `*.SUFFIX` patterns the proxy may reach. */
  allowDomain?: string[];
  /** `--credential`: `NAME[=REF]` credentials the proxy serves. */
  credential?: string[];
  /** `--limit`: `NAME:KEY=VALUE` limits of a credential's token. */
  limit?: string[];
  /** `--bypass-protection`: protected paths a grant may contain. */
  bypassProtection?: string[];
  /** `--resolve`: `host:port:addr` upstream address pins. */
  resolve?: string[];
  /** `--upstream-ca`: PEM CA files trusted for upstream TLS. */
  upstreamCa?: string[];
  /** `--best-effort`: run with what the kernel supports instead of failing closed. */
  bestEffort?: boolean;
  /** `--env`: `NAME` to pass from airlock's environment, `NAME=VALUE` to set. */
  env?: string[];
  /** `--env-secret`: names passed with their value unchecked. */
  envSecret?: string[];
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Adds flags from the flag table to a command (without importing commander's values, so
 * the module stays cheap on the fast `run` path).
 *
 * @param cmd The command to extend.
 * @param specs The flags to add.
 * @returns The same command.
 */
export function addFlags(cmd: Command, specs: readonly FlagSpec[]): Command {
  for (const spec of specs) {
    const option = cmd.createOption(commanderSyntax(spec), spec.description);
    if (spec.choices) option.choices(spec.choices);
    if (spec.repeatable) option.argParser(collect);
    if (spec.default !== undefined) option.default(spec.default);
    cmd.addOption(option);
  }
  return cmd;
}

/**
 * Adds the policy flags to a command.
 *
 * @param cmd The command to extend.
 * @returns The same command.
 */
export function addPolicyFlags(cmd: Command): Command {
  return addFlags(cmd, POLICY_FLAGS);
}

/**
 * Parses a TCP port flag value.
 *
 * @param flag The flag name for the message.
 * @param value The raw value.
 * @returns The port number.
 * @throws {UsageError} When the value is not an integer in 1..65535.
 */
export function parsePort(flag: string, value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new UsageError(
      `Cannot parse ${flag}: a port must be an integer from 1 to 65535: current value is "${value}"`,
    );
  }
  return n;
}

/**
 * Converts parsed flags into a policy request.
 *
 * @param values The option values from commander.
 * @returns The request for `resolvePolicy()`.
 * @throws {UsageError} On a malformed port.
 */
export function policyRequestFromFlags(values: PolicyFlagValues): PolicyRequest {
  const env = Deno.env.toObject();
  const workdir = typeof values.workdir === "string" ? values.workdir : undefined;
  return {
    profile: values.profile ?? "default",
    allow: values.allow ?? [],
    read: values.read ?? [],
    write: values.write ?? [],
    ...(workdir === undefined ? {} : { workdir }),
    noWorkdir: values.workdir === false,
    ...(values.net === undefined ? {} : { net: values.net as NetworkMode }),
    allowPorts: (values.allowPort ?? []).map((v) => parsePort("--allow-port", v)),
    listenPorts: (values.listenPort ?? []).map((v) => parsePort("--listen-port", v)),
    allowUnixSockets: values.allowUnixSockets ?? false,
    allowDomains: values.allowDomain ?? [],
    credentials: values.credential ?? [],
    limits: values.limit ?? [],
    bypassProtection: values.bypassProtection ?? [],
    resolve: values.resolve ?? [],
    upstreamCa: values.upstreamCa ?? [],
    bestEffort: values.bestEffort ?? false,
    envFlags: values.env ?? [],
    envSecrets: values.envSecret ?? [],
    cwd: Deno.cwd(),
    env,
  };
}
