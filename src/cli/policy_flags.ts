/**
 * The flags shared by `run`, `shell`, `why` and `proxy` that shape a policy, and their
 * conversion into a {@linkcode PolicyRequest}.
 *
 * @module
 */

import { type Command, Option } from "commander";
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
  /** `--bypass-protection`: protected paths a grant may contain. */
  bypassProtection?: string[];
  /** `--resolve`: `host:port:addr` upstream address pins. */
  resolve?: string[];
  /** `--upstream-ca`: PEM CA files trusted for upstream TLS. */
  upstreamCa?: string[];
  /** `--best-effort`: run with what the kernel supports instead of failing closed. */
  bestEffort?: boolean;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Adds the policy flags to a command.
 *
 * @param cmd The command to extend.
 * @returns The same command.
 */
export function addPolicyFlags(cmd: Command): Command {
  return cmd
    .option("-p, --profile <name|path>", "profile name or JSON(C) file", "default")
    .option("-a, --allow <path>", "grant read+write beneath PATH (repeatable)", collect)
    .option("-r, --read <path>", "grant read+execute beneath PATH (repeatable)", collect)
    .option("-w, --write <path>", "grant the write set beneath PATH (repeatable)", collect)
    .option("--workdir <dir>", "working directory, granted read+write (default: current directory)")
    .option("--no-workdir", "do not grant the working directory")
    .addOption(
      new Option("--net <mode>", "network: proxy (default), none or open").choices([
        "proxy",
        "none",
        "open",
      ]),
    )
    .option("--allow-port <port>", "allow TCP connect to PORT (repeatable)", collect)
    .option("--listen-port <port>", "allow TCP bind to PORT (repeatable)", collect)
    .option("--allow-unix-sockets", "allow creating AF_UNIX sockets")
    .option("--allow-domain <host>", "let the proxy reach HOST or *.SUFFIX (repeatable)", collect)
    .option(
      "--credential <name[=ref]>",
      "serve credential NAME through the proxy, from REF (default keyring:NAME; repeatable)",
      collect,
    )
    .option(
      "--bypass-protection <path>",
      "allow a grant containing protected PATH (repeatable)",
      collect,
    )
    .option(
      "--resolve <host:port:addr>",
      "pin an upstream host to an address (repeatable)",
      collect,
    )
    .option("--upstream-ca <file>", "trust this PEM CA for upstream TLS (repeatable)", collect)
    .option("--best-effort", "run with what the kernel supports instead of failing closed");
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
    bypassProtection: values.bypassProtection ?? [],
    resolve: values.resolve ?? [],
    upstreamCa: values.upstreamCa ?? [],
    bestEffort: values.bestEffort ?? false,
    cwd: Deno.cwd(),
    env,
  };
}
