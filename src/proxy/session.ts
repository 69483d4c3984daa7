/**
 * One session's proxy: the entry point `airlock run` and `airlock proxy` call. It checks
 * the policy's routes, pins and CA files, fetches every credential up front (so a
 * missing one fails with exit 125 before the command starts), mints the phantom tokens,
 * opens the audit log and serves everything on one way in: a 127.0.0.1 port, or a UNIX
 * socket that a bridge inside the sandbox's network namespace exposes as
 * 127.0.0.1:`advertisedPort` to the command.
 *
 * The proxy's own upstream traffic never honours `HTTPS_PROXY`/`HTTP_PROXY` from its
 * environment: every upstream fetch uses an explicit client whose only proxy is the
 * in-process hop.
 *
 * @module
 */

import { SessionLog } from "../audit/session_log.ts";
import { stateDir } from "../state_dir.ts";
import { isValidSessionId, newSessionId } from "../audit/session_log.ts";
import { AirlockError, ProxyError } from "../errors.ts";
import type { Policy } from "../policy/types.ts";
import { parseCidr } from "./address_guard.ts";
import { type ActiveRoute, buildProxyApp } from "./app.ts";
import { type CredentialSource, defaultCredentialSource } from "./credential_source.ts";
import { createDialer, type Lookup } from "./dialer.ts";
import { normalizeHost, parsePins } from "./pins.ts";
import { availableRoutes } from "./routes.ts";
import { type ListenAddress, serveProxy } from "./server.ts";
import { type ProxyLimits, resolveLimits } from "./limits.ts";
import { PressureLog } from "./pressure.ts";
import { generateToken } from "./tokens.ts";
import { TokenGuard } from "./token_limits/guard.ts";
import { createUpstreamClient, readCaFiles } from "./upstream_client.ts";
import type { CaFilesPlace } from "../intercept/ca_files.ts";
import type { Interceptor, InterceptTarget } from "../intercept/interceptor.ts";

/** A running session proxy. */
export interface SessionProxy {
  /**
   * The port on 127.0.0.1 the command reaches the proxy on: the listening port, or
   * `advertisedPort` for a UNIX front.
   */
  port: number;
  /** The UNIX socket the proxy listens on, when `listenPath` was given. */
  listenPath: string | undefined;
  /** The variables the command gets (base URLs, phantom tokens, proxy variables). */
  env: Record<string, string>;
  /** The session id (names the audit directory). */
  sessionId: string;
  /** The audit JSONL file. */
  auditPath: string;
  /** The session CA certificate (PEM), when the session intercepts its routes' hosts. */
  caPem: string | undefined;
  /** The interceptor, when there is one (benchmarks read its leaf minting times). */
  interceptor: Interceptor | undefined;
  /**
   * Stops serving and closes the audit log; with `drainMs`, lets open requests and
   * streams finish first, for at most that long.
   */
  close(drainMs?: number): Promise<void>;
}

/** Options of {@linkcode startSessionProxy}. */
export interface SessionProxyOptions {
  /** Session id (default: time plus random). */
  sessionId?: string;
  /**
   * Port on 127.0.0.1 (not with `listenPath`).
   * @default 0 (random free port)
   */
  port?: number;
  /**
   * Listen on this UNIX socket instead of any TCP port. Its directory must be private
   * (mode 0700, created by the caller); the socket is made mode 0600 and removed by
   * `close()`. Requires `advertisedPort`.
   */
  listenPath?: string;
  /**
   * With `listenPath`: the port the command reaches the proxy on, through a bridge on
   * 127.0.0.1:`advertisedPort` inside the sandbox's network namespace. The client
   * variables (base URLs, `HTTP(S)_PROXY`) use it and {@linkcode SessionProxy.port}
   * reports it.
   */
  advertisedPort?: number;
  /** Credential source (default: {@linkcode defaultCredentialSource}). */
  credentialSource?: CredentialSource;
  /** Replaces a route's upstream base URL (tests, self-hosted gateways): route → URL. */
  upstreams?: Record<string, string>;
  /** Environment for the state directory (default: `Deno.env`). */
  stateEnv?: Record<string, string | undefined>;
  /** Upstream response-headers time limit in ms (default 600000). */
  headersTimeoutMs?: number;
  /** Per-session limits (connections, head time and size, body size, idle time). */
  limits?: Partial<ProxyLimits>;
  /** DNS look-up override (tests). */
  lookup?: Lookup;
  /** Skip the system CA bundle (tests: trust only `upstreamCaFiles`). */
  noSystemCa?: boolean;
  /**
   * Where the session CA files go (a directory the sandbox reads, and its path inside);
   * default: a private directory under airlock's state directory, removed by `close()`.
   */
  caFiles?: CaFilesPlace;
}

/**
 * The hosts a session intercepts: each active route's upstream host, unless the policy
 * turns interception off for the route (`intercept: { NAME: false }`) or the host is an
 * IP address (no DNS name for a leaf to carry).
 *
 * @param active The active routes.
 * @param policy The policy (`intercept`).
 * @returns The targets.
 */
export function interceptTargets(
  active: ReadonlyMap<string, ActiveRoute>,
  policy: Pick<Policy, "intercept">,
): InterceptTarget[] {
  const out: InterceptTarget[] = [];
  for (const [name, { spec }] of active) {
    if (policy.intercept?.[name] === false) continue;
    const host = normalizeHost(spec.upstream.hostname);
    if (!/[a-z]/.test(host) || host.includes(":")) continue;
    out.push({
      route: name,
      host,
      port: Number(spec.upstream.port || 443),
      basePath: spec.upstream.pathname.replace(/\/+$/, ""),
      errorShape: spec.errorShape,
    });
  }
  return out;
}

async function privateCaDir(parent: string): Promise<string> {
  await Deno.mkdir(parent, { recursive: true, mode: 0o700 });
  const dir = await Deno.makeTempDir({ dir: parent, prefix: "ca-" });
  await Deno.chmod(dir, 0o700);
  return dir;
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
          [...routes].filter(([, r]) => r.credential === undefined).map(([n]) => n).sort()
            .join(", ")
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

function listenAddress(options: SessionProxyOptions): ListenAddress {
  const { listenPath, advertisedPort, port } = options;
  if (listenPath === undefined) {
    if (advertisedPort !== undefined) {
      throw new ProxyError("Cannot start the proxy: advertisedPort needs listenPath");
    }
    return { port: port ?? 0 };
  }
  if (port !== undefined) {
    throw new ProxyError("Cannot start the proxy: give either port or listenPath, not both");
  }
  if (!listenPath.startsWith("/")) {
    throw new ProxyError(
      `Cannot start the proxy: listenPath must be absolute: current value is "${listenPath}"`,
    );
  }
  if (advertisedPort === undefined || !(advertisedPort >= 1 && advertisedPort <= 65535)) {
    throw new ProxyError(
      `Cannot start the proxy on ${listenPath}: advertisedPort must be 1 to 65535: current value is ${advertisedPort}`,
      { hint: "pass the port of the bridge inside the sandbox" },
    );
  }
  return { path: listenPath };
}

/**
 * Starts a session's proxy. Requires `--allow-net=127.0.0.1` plus the upstream hosts,
 * `--allow-read` (CA files, credentials), `--allow-write` (state directory, the private
 * directory of the internal sockets under the temporary directory, `listenPath`),
 * `--allow-env`.
 *
 * @param policy The resolved policy (`credentials`, `routes`, `network`).
 * @param options Session id, port or UNIX socket, credential source and test hooks.
 * @returns The running proxy; call `close()` when the command ends.
 * @throws {ProxyError} Unknown route, bad `--resolve`, unreadable CA file, bind failure,
 *   `listenPath` in a directory others can enter, `listenPath` without `advertisedPort`.
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
  const listen = listenAddress(options);
  let limits: ProxyLimits;
  try {
    limits = resolveLimits(options.limits);
  } catch (err) {
    throw new ProxyError((err as Error).message, { cause: err });
  }
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
  const started = Date.now();
  const wipe = () => {
    for (const r of active.values()) r.secret.fill(0);
  };
  for (const name of wanted) {
    const spec = routes.get(name)!;
    if (
      spec.credential !== undefined && spec.credential !== name && wanted.includes(spec.credential)
    ) {
      continue; // a companion: it gets its credential's token below
    }
    let secret: Uint8Array;
    try {
      secret = await source(name, policy.credentials[name]!);
    } catch (err) {
      wipe();
      if (err instanceof AirlockError) throw err;
      throw new ProxyError(`Cannot read the credential for route "${name}"`, { cause: err });
    }
    const token = generateToken(spec.tokenPrefixFor?.(secret) ?? spec.tokenPrefix);
    const limits = policy.limits?.[name];
    const guard = limits && Object.keys(limits).length > 0
      ? { guard: new TokenGuard(limits, { start: started }) }
      : {};
    active.set(name, { spec, token, secret, ...guard });
    // Companion routes of this credential (git over HTTPS for `github`): same token, same limits.
    for (const [other, companion] of routes) {
      if (companion.credential === name && other !== name && !active.has(other)) {
        active.set(other, { spec: companion, token, secret, ...guard });
      }
    }
  }
  const proxyToken = generateToken("");

  const dialer = createDialer({
    pins,
    allowRanges,
    ...(options.lookup ? { lookup: options.lookup } : {}),
  });
  const targets = new Map(
    [...active.values()].map((r) => [
      `${normalizeHost(r.spec.upstream.hostname)}:${Number(r.spec.upstream.port || 443)}`,
      r.spec.timeouts?.connectMs,
    ]),
  );
  const client = createUpstreamClient(dialer, caCerts, targets);
  let log: SessionLog | undefined;
  const audit = (r: Parameters<SessionLog["write"]>[0]) => log?.write(r);
  const pressure = new PressureLog(audit);
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
    maxBodyBytes: limits.maxBodyBytes,
    maxHeaderBytes: limits.maxHeaderBytes,
    pressure,
  });
  const runDir = `${stateDir(options.stateEnv ?? Deno.env.toObject())}/run`;
  const intercepted = interceptTargets(active, policy);
  let interceptor: Interceptor | undefined;
  let caPem: string | undefined;
  let caEnv: Record<string, string> = {};
  let ownCaDir: string | undefined;
  if (intercepted.length > 0) {
    try {
      const [{ createSessionCa }, { createInterceptor }, { writeCaFiles, systemRootsPem }] =
        await Promise.all([
          import("../intercept/session_ca.ts"),
          import("../intercept/interceptor.ts"),
          import("../intercept/ca_files.ts"),
        ]);
      const ca = await createSessionCa(intercepted.map((t) => t.host));
      caPem = ca.certPem;
      let place = options.caFiles;
      if (!place) {
        ownCaDir = await privateCaDir(runDir);
        place = { dir: ownCaDir, view: ownCaDir };
      }
      caEnv = writeCaFiles(place, ca.certPem, systemRootsPem(Deno.env.toObject()));
      interceptor = createInterceptor({
        ca,
        targets: intercepted,
        app: (req, env) => app.fetch(req, env),
        audit,
        parent: runDir,
      });
    } catch (err) {
      await client.close();
      wipe();
      if (ownCaDir) await Deno.remove(ownCaDir, { recursive: true }).catch(() => {});
      if (err instanceof AirlockError) throw err;
      throw new ProxyError(`Cannot create the session CA: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  // The CA files go when the session does: the whole directory when it is the proxy's own,
  // else the two files (the caller's directory stays).
  const dropOwnCa = async () => {
    if (ownCaDir) await Deno.remove(ownCaDir, { recursive: true }).catch(() => {});
    else if (caPem && options.caFiles) {
      for (const f of ["ca.pem", "bundle.pem"]) {
        await Deno.remove(`${options.caFiles.dir}/${f}`).catch(() => {});
      }
    }
  };
  let server;
  try {
    server = await serveProxy(
      app,
      {
        proxyToken,
        allowDomains: policy.network.allowDomains ?? [],
        dialer,
        audit,
        maxBodyBytes: limits.maxBodyBytes,
        pressure,
        ...(interceptor ? { intercept: interceptor } : {}),
      },
      listen,
      {
        limits,
        pressure,
        internalParent: runDir,
      },
    );
  } catch (err) {
    await interceptor?.close();
    await dropOwnCa();
    await client.close();
    wipe();
    const where = "path" in listen ? listen.path : `127.0.0.1:${listen.port}`;
    throw new ProxyError(
      `Cannot start the proxy on ${where}: ${(err as Error).name}: ${(err as Error).message}`,
      {
        cause: err,
        ...("path" in listen && err instanceof Deno.errors.PermissionDenied
          ? { hint: "create the socket's directory with mode 0700" }
          : {}),
      },
    );
  }
  const port = options.advertisedPort ?? server.port;
  try {
    log = SessionLog.open({
      id: sessionId,
      started: new Date().toISOString(),
      port,
      routes: wanted,
      profile: policy.profile,
    }, options.stateEnv ?? Deno.env.toObject());
  } catch (err) {
    await server.close();
    await interceptor?.close();
    await dropOwnCa();
    await client.close();
    wipe();
    throw new ProxyError(
      `Cannot open the audit log for session ${sessionId}: ${(err as Error).name}`,
      {
        cause: err,
      },
    );
  }

  const env = { ...clientEnv(port, active, proxyToken), ...caEnv };
  let closing: Promise<void> | undefined;
  return {
    port,
    listenPath: server.path,
    env,
    sessionId,
    auditPath: log.path,
    caPem,
    interceptor,
    close(drainMs?: number) {
      closing ??= (async () => {
        await server.close(drainMs);
        await interceptor?.close();
        await dropOwnCa();
        await client.close();
        log?.close();
        wipe();
      })();
      return closing;
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
