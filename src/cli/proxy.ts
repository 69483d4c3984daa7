/**
 * `airlock proxy`: the credential proxy alone, for containers and devcontainers. It
 * resolves the policy from the usual flags, starts the session proxy, prints the
 * variables a client needs (or writes them atomically, mode 0600, to `--env-file`) and
 * serves until SIGINT or SIGTERM.
 *
 * @module
 */

import type { Command } from "commander";
import { ProxyError, UsageError } from "../errors.ts";
import {
  addPolicyFlags,
  parsePort,
  type PolicyFlagValues,
  policyRequestFromFlags,
} from "./policy_flags.ts";

/** Options of `airlock proxy` beyond the policy flags. */
interface ProxyFlagValues extends PolicyFlagValues {
  port?: string;
  maxConnections?: string;
  maxBodyBytes?: string;
  headTimeout?: string;
  envFile?: string;
  json?: boolean;
}

/**
 * Formats variables as `KEY=value` lines, single-quoted for shells and env files.
 *
 * @param env The variables.
 * @returns The text, one variable a line.
 * @example
 * ```ts
 * import { formatEnv } from "./proxy.ts";
 * console.assert(formatEnv({ A: "x'y" }) === "A='x'\\''y'\n");
 * ```
 */
export function formatEnv(env: Record<string, string>): string {
  return Object.entries(env).map(([k, v]) => `${k}='${v.replaceAll("'", `'\\''`)}'\n`).join("");
}

/**
 * Writes a file atomically with mode 0600 (temporary file in the same directory, then rename).
 *
 * @param path The destination.
 * @param text The content.
 * @throws {ProxyError} When it cannot be written.
 */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    Deno.writeTextFileSync(tmp, text, { mode: 0o600, createNew: true });
    Deno.chmodSync(tmp, 0o600);
    Deno.renameSync(tmp, path);
  } catch (err) {
    try {
      Deno.removeSync(tmp);
    } catch { /* not created */ }
    throw new ProxyError(`Cannot write --env-file "${path}": ${(err as Error).name}`, {
      cause: err,
    });
  }
}

/**
 * Parses a positive integer flag.
 *
 * @param flag The flag's name, for the message.
 * @param value Its value, if given.
 * @returns The number, or undefined when not given.
 * @throws {UsageError} When it is not a positive integer.
 * @example
 * ```ts
 * import { parsePositive } from "./proxy.ts";
 * console.assert(parsePositive("--max-connections", "64") === 64);
 * console.assert(parsePositive("--max-connections", undefined) === undefined);
 * ```
 */
export function parsePositive(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d{1,15}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1)) {
    throw new UsageError(
      `Cannot parse ${flag}: must be a positive integer: current value is "${value}"`,
    );
  }
  return n;
}

/**
 * Registers `airlock proxy`.
 *
 * @param program The root program.
 */
export function register(program: Command): void {
  addPolicyFlags(
    program.command("proxy")
      .description(
        "serve the credential proxy alone until SIGINT/SIGTERM, printing client variables",
      ),
  )
    .option("--port <port>", "listen on 127.0.0.1:PORT (default: a random free port)")
    .option("--max-connections <n>", "open client connections at once; more get 503 (default 512)")
    .option("--max-body-bytes <n>", "largest request body; larger gets 413 (default 100 MiB)")
    .option(
      "--head-timeout <ms>",
      "time for a request head to arrive; later gets 408 (default 10000)",
    )
    .option("--env-file <file>", "write the client variables to FILE (mode 0600) instead of stdout")
    .option("--json", "print one JSON object (port, session, audit file, variables) instead")
    .action(async (values: ProxyFlagValues) => {
      const port = values.port === undefined ? 0 : parsePort("--port", values.port);
      parsePositive("--max-connections", values.maxConnections);
      parsePositive("--max-body-bytes", values.maxBodyBytes);
      parsePositive("--head-timeout", values.headTimeout);
      const request = policyRequestFromFlags(values);
      const { resolvePolicy } = await import("../policy/mod.ts");
      const { startSessionProxy } = await import("../proxy/session.ts");
      const policy = await resolvePolicy(request);
      const limits = {
        maxConnections: parsePositive("--max-connections", values.maxConnections),
        maxBodyBytes: parsePositive("--max-body-bytes", values.maxBodyBytes),
        headTimeoutMs: parsePositive("--head-timeout", values.headTimeout),
      };
      const proxy = await startSessionProxy(policy, { port, limits });
      // Listen for SIGINT/SIGTERM before announcing readiness: a client that stops us as
      // soon as it reads the variables must get a clean shutdown, not the default action.
      const stopped = new Promise<void>((done) => {
        const stop = () => {
          Deno.removeSignalListener("SIGINT", stop);
          Deno.removeSignalListener("SIGTERM", stop);
          done();
        };
        Deno.addSignalListener("SIGINT", stop);
        Deno.addSignalListener("SIGTERM", stop);
      });
      const text = values.json
        ? JSON.stringify({
          port: proxy.port,
          sessionId: proxy.sessionId,
          auditPath: proxy.auditPath,
          env: proxy.env,
        }) + "\n"
        : formatEnv(proxy.env);
      if (values.envFile) {
        writeFileAtomic(values.envFile, text);
        console.error(
          `airlock: proxy on 127.0.0.1:${proxy.port}, session ${proxy.sessionId}; variables in ${values.envFile}`,
        );
      } else {
        await Deno.stdout.write(new TextEncoder().encode(text));
        console.error(`airlock: proxy on 127.0.0.1:${proxy.port}, session ${proxy.sessionId}`);
      }
      await stopped;
      await proxy.close();
    });
}
