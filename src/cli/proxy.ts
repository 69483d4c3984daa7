/**
 * `airlock proxy`: the credential proxy alone, for containers and devcontainers. It
 * resolves the policy from the usual flags, starts the session proxy, prints the
 * variables a client needs (or writes them atomically, mode 0600, to `--env-file`) and
 * serves until SIGINT or SIGTERM, then drains open requests and streams (bounded by
 * `--drain-timeout`) and exits 0. As a sidecar container's entrypoint it also listens on
 * the container's address, advertises that address in the variables and serves a health
 * endpoint (`proxy_sidecar.ts`). It logs to stderr only.
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
  caDir?: string;
  caDirInClient?: string;
  envFile?: string;
  json?: boolean;
  listen?: string;
  advertise?: string;
  health?: string;
  drainTimeout?: string;
  log?: boolean;
  maxConnections?: string;
  maxBodyBytes?: string;
  headTimeout?: string;
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

/** How long SIGTERM waits for open requests and streams by default, in seconds. */
const DEFAULT_DRAIN_SECONDS = 10;

function parseSeconds(flag: string, value: string): number {
  const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  if (!(n >= 0 && n <= 3600)) {
    throw new UsageError(
      `Cannot parse ${flag}: it must be a number of seconds from 0 to 3600: current value is "${value}"`,
    );
  }
  return n;
}

/**
 * The place of `--ca-dir`: made owner-only when missing; an absolute client path.
 *
 * @param dir The directory airlock writes.
 * @param inClient Where the client sees it.
 * @returns The place.
 * @throws {UsageError} When a path is not absolute.
 */
function caDirPlace(dir: string, inClient: string | undefined): { dir: string; view: string } {
  for (const [flag, path] of [["--ca-dir", dir], ["--ca-dir-in-client", inClient]] as const) {
    if (path !== undefined && !path.startsWith("/")) {
      throw new UsageError(`${flag} must be an absolute path: current value is "${path}"`);
    }
  }
  try {
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new ProxyError(`Cannot create --ca-dir "${dir}": ${(err as Error).name}`, { cause: err });
  }
  return { dir, view: inClient ?? dir };
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
    .option("--env-file <file>", "write the client variables to FILE (mode 0600) instead of stdout")
    .option("--json", "print one JSON object (port, session, audit file, variables) instead")
    .option("--listen <host:port>", "also accept clients on HOST:PORT (a container's address)")
    .option(
      "--advertise <host[:port]>",
      "write HOST[:PORT] into the variables (default: the --listen port)",
    )
    .option(
      "--ca-dir <dir>",
      "write the session CA files (ca.pem, bundle.pem) to DIR, e.g. a volume the client mounts",
    )
    .option(
      "--ca-dir-in-client <path>",
      "where the client sees --ca-dir (the CA variables point there; default: the same path)",
    )
    .option("--health <host:port>", "serve GET /healthz on HOST:PORT (503 while draining)")
    .option("--log", "also print each audit record (JSON, no secrets) to stderr")
    .option(
      "--drain-timeout <seconds>",
      `on SIGTERM, let open requests finish for up to SECONDS (default ${DEFAULT_DRAIN_SECONDS})`,
    )
    .option("--max-connections <n>", "open client connections at once; more get 503 (default 512)")
    .option("--max-body-bytes <n>", "largest request body; larger gets 413 (default 100 MiB)")
    .option(
      "--head-timeout <ms>",
      "time for a request head to arrive; later gets 408 (default 10000)",
    )
    .action(async (values: ProxyFlagValues) => {
      const port = values.port === undefined ? 0 : parsePort("--port", values.port);
      const limits = {
        maxConnections: parsePositive("--max-connections", values.maxConnections),
        maxBodyBytes: parsePositive("--max-body-bytes", values.maxBodyBytes),
        headTimeoutMs: parsePositive("--head-timeout", values.headTimeout),
      };
      const { parseHostPort, advertiseEnv, startRelay, startHealth, tailAudit } = await import(
        "./proxy_sidecar.ts"
      );
      const listenAt = values.listen === undefined
        ? undefined
        : parseHostPort("--listen", values.listen);
      const advertised = values.advertise === undefined
        ? undefined
        : parseHostPort("--advertise", values.advertise, true);
      const healthAt = values.health === undefined
        ? undefined
        : parseHostPort("--health", values.health);
      const drainMs = 1000 *
        (values.drainTimeout === undefined
          ? DEFAULT_DRAIN_SECONDS
          : parseSeconds("--drain-timeout", values.drainTimeout));
      const request = policyRequestFromFlags(values);
      const { resolvePolicy } = await import("../policy/mod.ts");
      const { startSessionProxy } = await import("../proxy/session.ts");
      const policy = await resolvePolicy(request);
      const caFiles = values.caDir === undefined ? undefined : caDirPlace(
        values.caDir,
        values.caDirInClient,
      );
      const proxy = await startSessionProxy(policy, {
        port,
        limits,
        ...(caFiles ? { caFiles } : {}),
      });
      let closing: Promise<void> | undefined;
      const closeProxy = (ms = 0) => closing ??= proxy.close(ms);
      let draining = false;
      const extras: { stopAccepting(): void; close(): Promise<void> }[] = [];
      try {
        const relay = listenAt ? startRelay(listenAt, proxy.port) : undefined;
        if (relay) extras.push(relay);
        const health = healthAt ? startHealth(healthAt, () => !draining) : undefined;
        if (health) extras.push(health);
        const tail = values.log ? tailAudit(proxy.auditPath) : undefined;
        if (tail) extras.push({ stopAccepting: () => {}, close: () => tail.stop() });
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
        const env = advertised || relay
          ? advertiseEnv(
            proxy.env,
            proxy.port,
            advertised?.hostname ?? listenAt!.hostname,
            advertised?.port || relay?.port || proxy.port,
          )
          : proxy.env;
        const text = values.json
          ? JSON.stringify({
            port: proxy.port,
            sessionId: proxy.sessionId,
            auditPath: proxy.auditPath,
            env,
            ...(relay ? { listenPort: relay.port } : {}),
            ...(health ? { healthPort: health.port } : {}),
          }) + "\n"
          : formatEnv(env);
        const where = [
          `proxy on 127.0.0.1:${proxy.port}`,
          ...(relay ? [`clients on ${listenAt!.hostname}:${relay.port}`] : []),
          ...(health ? [`health on http://${healthAt!.hostname}:${health.port}/healthz`] : []),
          `session ${proxy.sessionId}`,
        ].join(", ");
        if (values.envFile) {
          writeFileAtomic(values.envFile, text);
          console.error(`airlock: ${where}; variables in ${values.envFile}`);
        } else {
          await Deno.stdout.write(new TextEncoder().encode(text));
          console.error(`airlock: ${where}`);
        }
        await stopped;
        draining = true;
        console.error(`airlock: stopping: draining open requests (up to ${drainMs / 1000} s)`);
        for (const extra of extras) extra.stopAccepting();
        await closeProxy(drainMs);
        console.error("airlock: proxy stopped");
      } finally {
        await closeProxy();
        for (const extra of extras) await extra.close();
      }
    });
}
