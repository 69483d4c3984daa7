/**
 * One test session: a test CA, the fake upstream, and a session proxy whose built-in
 * routes point at it through `--resolve` pins and `--upstream-ca`, with real-looking
 * credentials from `env:` references and a private state directory.
 *
 * @module
 */

import type { Policy, RouteConfig } from "../../../src/policy/types.ts";
import type { ProxyLimits } from "../../../src/proxy/limits.ts";
import type { Lookup } from "../../../src/proxy/dialer.ts";
import { type SessionProxy, startSessionProxy } from "../../../src/proxy/session.ts";
import { type Bridge, startBridge } from "./bridge.ts";
import { type FakeUpstream, type FakeUpstreamOptions, startFakeUpstream } from "./fake_upstream.ts";
import { createTestCa, type TestCa } from "./test_ca.ts";

/** The real credentials the harness serves (unique per run). */
export interface Secrets {
  openai: string;
  anthropic: string;
  gemini: string;
}

/** A running test session. */
export interface Harness {
  ca: TestCa;
  up: FakeUpstream;
  proxy: SessionProxy;
  secrets: Secrets;
  stateHome: string;
  policy: Policy;
  /** The bridge to the proxy's UNIX socket (with `unix: true`). */
  bridge?: Bridge;
  close(): Promise<void>;
}

/** The provider hosts the fake upstream stands in for. */
export const PROVIDER_HOSTS = {
  openai: "api.openai.com",
  anthropic: "api.anthropic.com",
  gemini: "generativelanguage.googleapis.com",
} as const;

/** Options of {@linkcode startHarness}. */
export interface HarnessOptions extends FakeUpstreamOptions {
  /** `network.allowDomains`. */
  allowDomains?: string[];
  /** Extra `--resolve` entries, or a function of the fake upstream's port giving them. */
  resolve?: string[] | ((upstreamPort: number) => string[]);
  /** Upstream headers timeout (ms). */
  headersTimeoutMs?: number;
  /** Custom routes (given the fake upstream's port); their credential is `custom-<name>`. */
  routes?: (upstreamPort: number) => Record<string, RouteConfig>;
  /** Reuse a CA. */
  ca?: TestCa;
  /**
   * Serve on a UNIX socket in a private directory, reached through a test bridge on
   * 127.0.0.1 (as the sandbox reaches it), instead of on a TCP port.
   */
  unix?: boolean;
  /** Per-session limits. */
  limits?: Partial<ProxyLimits>;
  /** DNS look-up override. */
  lookup?: Lookup;
  /** `network.allowRanges`. */
  allowRanges?: string[];
}

/**
 * Builds a policy for tests.
 *
 * @param fields Overrides.
 * @returns A policy.
 */
export function testPolicy(
  fields: Omit<Partial<Policy>, "network"> & { network?: Partial<Policy["network"]> },
): Policy {
  const { network, ...rest } = fields;
  return {
    profile: "test",
    profileChain: ["test"],
    cwd: "/tmp",
    workdir: null,
    paths: [],
    env: { vars: {}, removed: [], set: [] },
    credentials: {},
    routes: {},
    bestEffort: false,
    bypassProtection: [],
    ...rest,
    network: {
      mode: "proxy",
      connectPorts: [],
      bindPorts: [],
      allowDomains: [],
      allowRanges: [],
      allowUnixSockets: false,
      resolve: [],
      upstreamCaFiles: [],
      ...network,
    },
  };
}

/**
 * Starts a test session.
 *
 * @param options Upstream behaviour and policy extras.
 * @returns The harness; `close()` it.
 */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const ca = options.ca ?? await createTestCa();
  const up = startFakeUpstream(ca, options);
  const nonce = crypto.randomUUID().replaceAll("-", "");
  const secrets: Secrets = {
    openai: `sk-REAL-openai-${nonce}`,
    anthropic: `sk-ant-REAL-${nonce}`,
    gemini: `AIzaREAL${nonce}`,
  };
  const stateHome = await Deno.makeTempDir({ prefix: "airlock-state-" });
  const routes = options.routes?.(up.port) ?? {};
  const policy = testPolicy({
    credentials: {
      openai: "test:openai",
      anthropic: "test:anthropic",
      gemini: "test:gemini",
      ...Object.fromEntries(Object.keys(routes).map((r) => [r, `test:${r}`])),
    },
    routes,
    network: {
      resolve: [
        ...Object.values(PROVIDER_HOSTS).map((h) => `${h}:${up.port}:127.0.0.1`),
        ...(typeof options.resolve === "function"
          ? options.resolve(up.port)
          : options.resolve ?? []),
      ],
      upstreamCaFiles: [ca.caFile],
      allowDomains: options.allowDomains ?? [],
      allowRanges: options.allowRanges ?? [],
    },
  });
  let bridge: Bridge | undefined;
  let socketDir: string | undefined;
  let listen = {};
  if (options.unix) {
    socketDir = await Deno.makeTempDir({ prefix: "airlock-sock-" });
    await Deno.chmod(socketDir, 0o700);
    bridge = startBridge(`${socketDir}/proxy.sock`);
    listen = { listenPath: `${socketDir}/proxy.sock`, advertisedPort: bridge.port };
  }
  const proxy = await startSessionProxy(policy, {
    ...listen,
    credentialSource: (route) =>
      Promise.resolve(
        new TextEncoder().encode(secrets[route as keyof Secrets] ?? `custom-${route}`),
      ),
    upstreams: {
      openai: up.url(PROVIDER_HOSTS.openai),
      anthropic: up.url(PROVIDER_HOSTS.anthropic),
      gemini: up.url(PROVIDER_HOSTS.gemini),
    },
    stateEnv: { XDG_STATE_HOME: stateHome },
    noSystemCa: true,
    ...(options.headersTimeoutMs ? { headersTimeoutMs: options.headersTimeoutMs } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.lookup ? { lookup: options.lookup } : {}),
  });
  return {
    ca,
    up,
    proxy,
    secrets,
    stateHome,
    policy,
    ...(bridge ? { bridge } : {}),
    async close() {
      await proxy.close();
      bridge?.close();
      if (socketDir) await Deno.remove(socketDir, { recursive: true }).catch(() => {});
      await up.close();
      await Deno.remove(stateHome, { recursive: true }).catch(() => {});
    },
  };
}

/**
 * Reads the session's audit records.
 *
 * @param h The harness.
 * @returns Parsed records.
 */
export function auditRecords(h: Harness): Record<string, unknown>[] {
  return Deno.readTextFileSync(h.proxy.auditPath).split("\n").filter(Boolean).map((l) =>
    JSON.parse(l)
  ).filter((r) => r.kind !== "start"); // the chain's header
}

/**
 * Waits (bounded, 10 s) for an audit record matching `pred`: tunnel records are written
 * when both sides have closed, a moment after the client exits.
 *
 * @param h The harness.
 * @param pred The predicate.
 * @param after Only records after this many.
 * @returns The last matching record.
 * @throws {Error} When none appears in time.
 */
export async function waitForRecord(
  h: Harness,
  pred: (r: Record<string, unknown>) => boolean,
  after = 0,
): Promise<Record<string, unknown>> {
  for (let i = 0; i < 200; i++) {
    const found = auditRecords(h).slice(after).filter(pred).at(-1);
    if (found) return found;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  throw new Error("no matching audit record was written");
}
