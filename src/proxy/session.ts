/**
 * One session's proxy: the entry point `airlock run` and `airlock proxy` call. It checks
 * the policy's routes, pins and CA files, fetches every credential up front (so a
 * missing one fails with exit 125 before the command starts), mints the phantom tokens,
 * opens the audit log and serves everything on one 127.0.0.1 port.
 *
 * The proxy's own upstream traffic never honours `HTTPS_PROXY`/`HTTP_PROXY` from its
 * environment: every upstream fetch uses an explicit client whose only proxy is the
 * in-process hop.
 *
 * @module
 */

import { SessionLog } from "../audit/session_log.ts";
import { isValidSessionId, newSessionId } from "../audit/session_log.ts";
import { AirlockError, ProxyError } from "../errors.ts";
import type { Policy } from "../policy/types.ts";
import { parseCidr } from "./address_guard.ts";
import { type ActiveRoute, buildProxyApp } from "./app.ts";
import { type CredentialSource, defaultCredentialSource } from "./credential_source.ts";
import { createDialer, type Lookup } from "./dialer.ts";
import { parsePins } from "./pins.ts";
import { availableRoutes } from "./routes.ts";
import { serveProxy } from "./server.ts";
import { generateToken } from "./tokens.ts";
import { createUpstreamClient, readCaFiles } from "./upstream_client.ts";

/** A running session proxy. */
export interface SessionProxy {
  /** The port on 127.0.0.1. */
  port: number;
  /** The variables the command gets (base URLs, phantom tokens, proxy variables). */
  env: Record<string, string>;
  /** The session id (names the audit directory). */
  sessionId: string;
  /** The audit JSONL file. */
  auditPath: string;
  /** Stops serving (after draining open streams for up to `drainMs`) and closes the audit log. */
  close(drainMs?: number): Promise<void>;
}

/** Options of {@linkcode startSessionProxy}. */
export interface SessionProxyOptions {
  /** Session id (default: time plus random). */
  sessionId?: string;
  /**
   * Port on 127.0.0.1.
   * @default 0 (random free port)
   */
  port?: number;
  /** Credential source (default: {@linkcode defaultCredentialSource}). */
  credentialSource?: CredentialSource;
  /** Replaces a route's upstream base URL (tests, self-hosted gateways): route → URL. */
  upstreams?: Record<string, string>;
  /** Environment for the state directory (default: `Deno.env`). */
  stateEnv?: Record<string, string | undefined>;
  /** Upstream response-headers time limit in ms (default 600000). */
  headersTimeoutMs?: number;
  /** DNS look-up override (tests). */
  lookup?: Lookup;
  /** Skip the system CA bundle (tests: trust only `upstreamCaFiles`). */
  noSystemCa?: boolean;
}

function checkRoutes(policy: Policy, options: SessionProxyOptions) {
  const routes = availableRoutes(policy.routes ?? {});
  for (const [name, url] of Object.entries(options.upstreams ?? {})) {
    const spec = routes.get(name);
    if (spec) routes.set(name, { ...spec, upstream: new URL(url.replace(/\/+$/, "")) });
  }
  const wanted = Object.keys(policy.credentials ?? {});
  for (const name of wanted) {
    if (!routes.has(name)) {
      throw new ProxyError(
        `Cannot start the proxy: unknown route "${name}": known routes are ${
          [...routes.keys()].sort().join(", ")
        }`,
        { hint: "add a custom route under routes in the profile, or use a known name" },
      );
    }
  }
  return { routes, wanted };
}

function parseRanges(ranges: readonly string[]) {
  return ranges.map((r) => {
    try {
      return parseCidr(r);
    } catch (err) {
      throw new ProxyError(`Cannot use network.allowRanges: ${(err as Error).message}`, {
        cause: err,
      });
    }
  });
}

/**
 * Starts a session's proxy. Requires `--allow-net=127.0.0.1` plus the upstream hosts,
 * `--allow-read` (CA files, credentials), `--allow-write` (state directory), `--allow-env`.
 *
 * @param policy The resolved policy (`credentials`, `routes`, `network`).
 * @param options Session id, port, credential source and test hooks.
 * @returns The running proxy; call `close()` when the command ends.
 * @throws {ProxyError} Unknown route, bad `--resolve`, unreadable CA file, bind failure.
 * @throws {AirlockError} Whatever the credential source throws (e.g. KeystoreError).
 * @example
 * ```ts ignore
 * const proxy = await startSessionProxy(policy);
 * const child = new Deno.Command("node", { args: ["agent.js"], env: proxy.env }).spawn();
 * await child.status;
 * await proxy.close();
 * ```
 */
export async function startSessionProxy(
  policy: Policy,
  options: SessionProxyOptions = {},
): Promise<SessionProxy> {
  const { routes, wanted } = checkRoutes(policy, options);
  const pins = parsePins(policy.network.resolve ?? []);
  const allowRanges = parseRanges(policy.network.allowRanges ?? []);
  const caCerts = readCaFiles(policy.network.upstreamCaFiles ?? [], !options.noSystemCa);
  const source = options.credentialSource ?? defaultCredentialSource;

  const sessionId = options.sessionId ?? newSessionId();
  if (!isValidSessionId(sessionId)) {
    throw new ProxyError(`Cannot start the proxy: "${sessionId}" is not a valid session id`);
  }

  const active = new Map<string, ActiveRoute>();
  const wipe = () => {
    for (const r of active.values()) r.secret.fill(0);
  };
  for (const name of wanted) {
    const spec = routes.get(name)!;
    let secret: Uint8Array;
    try {
      secret = await source(name, policy.credentials[name]!);
    } catch (err) {
      wipe();
      if (err instanceof AirlockError) throw err;
      throw new ProxyError(`Cannot read the credential for route "${name}"`, { cause: err });
    }
    active.set(name, { spec, token: generateToken(spec.tokenPrefix), secret });
  }
  const proxyToken = generateToken("");

  const dialer = createDialer({
    pins,
    allowRanges,
    ...(options.lookup ? { lookup: options.lookup } : {}),
  });
  const client = createUpstreamClient(dialer, caCerts);
  let log: SessionLog | undefined;
  const audit = (r: Parameters<SessionLog["write"]>[0]) => log?.write(r);
  const app = buildProxyApp({
    routes: active,
    upstreamFetch: (url, init) => client.fetch(url, init),
    audit,
    explainFailure(url) {
      const f = client.lastFailure(url.hostname, Number(url.port || 443));
      if (f) {
        return {
          decision: f.kind === "denied-address" ? "denied-address" : "upstream-error",
          detail: `${f.kind}: ${f.reason}`,
        };
      }
      return undefined;
    },
    ...(options.headersTimeoutMs ? { headersTimeoutMs: options.headersTimeoutMs } : {}),
  });
  let server;
  try {
    server = await serveProxy(app, {
      proxyToken,
      allowDomains: policy.network.allowDomains ?? [],
      dialer,
      audit,
    }, options.port ?? 0);
  } catch (err) {
    await client.close();
    wipe();
    throw new ProxyError(
      `Cannot start the proxy on 127.0.0.1:${options.port ?? 0}: ${(err as Error).name}`,
      {
        cause: err,
      },
    );
  }
  try {
    log = SessionLog.open({
      id: sessionId,
      started: new Date().toISOString(),
      port: server.port,
      routes: wanted,
      profile: policy.profile,
    }, options.stateEnv ?? Deno.env.toObject());
  } catch (err) {
    await server.close();
    await client.close();
    wipe();
    throw new ProxyError(
      `Cannot open the audit log for session ${sessionId}: ${(err as Error).name}`,
      {
        cause: err,
      },
    );
  }

  const env = clientEnv(server.port, active, proxyToken);
  return {
    port: server.port,
    env,
    sessionId,
    auditPath: log.path,
    async close(drainMs?: number) {
      await server.close(drainMs);
      await client.close();
      log?.close();
      wipe();
    },
  };
}

/**
 * The variables a client needs: each route's base URL and token, and the proxy
 * variables carrying the session's proxy token.
 *
 * @param port The proxy port.
 * @param routes The active routes.
 * @param proxyToken The session's proxy token.
 * @returns The variables.
 */
export function clientEnv(
  port: number,
  routes: ReadonlyMap<string, ActiveRoute>,
  proxyToken: string,
): Record<string, string> {
  const origin = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {};
  for (const [name, r] of routes) Object.assign(env, r.spec.env(`${origin}/${name}`, r.token));
  const proxyUrl = `http://airlock:${proxyToken}@127.0.0.1:${port}`;
  for (const k of ["HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"]) env[k] = proxyUrl;
  env.NO_PROXY = "localhost,127.0.0.1";
  env.no_proxy = "localhost,127.0.0.1";
  return env;
}
