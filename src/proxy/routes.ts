/**
 * Proxy routes: the built-in providers (`openai`, `anthropic`, `gemini`) and a profile's
 * custom routes, each with its upstream, token shape, injector, error shape and the
 * variables its clients read.
 *
 * @module
 */

import { ProxyError } from "../errors.ts";
import type { RouteConfig, RouteTimeouts } from "../policy/types.ts";
import type { ErrorShape } from "./error_shapes.ts";
import { type Injector, injectorFor, slotInjector } from "./injectors.ts";

/** A route, before a session gives it a token and a credential. */
export interface RouteSpec {
  /** The first path segment: `http://127.0.0.1:PORT/<name>/…`. */
  name: string;
  /** Upstream base URL (`https://host[:port][/base]`, no trailing slash). */
  upstream: URL;
  /** Phantom token prefix. */
  tokenPrefix: string;
  /**
   * The phantom token's prefix for a given real credential, so the token is shaped like
   * the real one (`ghp_…` or `github_pat_…`); `tokenPrefix` when absent.
   */
  tokenPrefixFor?: (secret: Uint8Array) => string;
  /**
   * The credential that feeds this route when it is not the route's own name: a
   * companion route, active whenever that credential is (`github-git` of `github`),
   * with the same phantom token.
   */
  credential?: string;
  /** Token reader and credential injector. */
  injector: Injector;
  /** The error JSON shape clients of this route understand. */
  errorShape: ErrorShape;
  /** Upstream time limits (the proxy's defaults where unset). */
  timeouts?: RouteTimeouts;
  /**
   * The variables a client needs.
   * @param baseUrl `http://127.0.0.1:PORT/<name>`.
   * @param token The phantom token.
   */
  env(baseUrl: string, token: string): Record<string, string>;
}

function builtin(
  name: string,
  upstream: string,
  tokenPrefix: string,
  env: RouteSpec["env"],
): RouteSpec {
  return {
    name,
    upstream: new URL(upstream),
    tokenPrefix,
    injector: injectorFor(name) as Injector,
    errorShape: name as ErrorShape,
    env,
  };
}

/** The built-in routes by name. */
export const BUILTIN_ROUTES: Readonly<Record<string, RouteSpec>> = {
  openai: builtin("openai", "https://api.openai.com", "sk-proj-", (base, token) => ({
    OPENAI_BASE_URL: `${base}/v1`,
    OPENAI_API_KEY: token,
    // Codex CLI reads neither of the above: it reaches api.openai.com through HTTPS_PROXY
    // (intercepted) with this key.
    CODEX_API_KEY: token,
  })),
  anthropic: builtin("anthropic", "https://api.anthropic.com", "sk-ant-api03-", (base, token) => ({
    ANTHROPIC_BASE_URL: base,
    ANTHROPIC_API_KEY: token,
  })),
  gemini: builtin(
    "gemini",
    "https://generativelanguage.googleapis.com",
    "AIza",
    (base, token) => ({ GOOGLE_GEMINI_BASE_URL: base, GEMINI_API_KEY: token }),
  ),
  // gh and the REST API; git over HTTPS is `github-git`. Neither reads a base URL: both
  // are reached through TLS interception of their hosts.
  github: {
    ...builtin("github", "https://api.github.com", "ghp_", (_base, token) => ({
      GH_TOKEN: token,
      GITHUB_TOKEN: token,
    })),
    errorShape: "generic",
    tokenPrefixFor: githubPrefix,
  },
  "github-git": {
    ...builtin("github-git", "https://github.com", "ghp_", () => ({})),
    errorShape: "generic",
    tokenPrefixFor: githubPrefix,
    credential: "github",
  },
};

/** `github_pat_` for a fine-grained token, else `ghp_`. */
function githubPrefix(secret: Uint8Array): string {
  const head = new TextDecoder().decode(secret.subarray(0, 11));
  return head === "github_pat_" ? "github_pat_" : "ghp_";
}

/**
 * Builds a route from a profile's custom route.
 *
 * @param name The route name.
 * @param config The profile's route.
 * @returns The route.
 * @throws {ProxyError} When the name or upstream URL is unusable.
 * @example
 * ```ts
 * import { customRoute } from "./routes.ts";
 * const r = customRoute("gh", {
 *   upstream: "https://api.github.com",
 *   token: { header: "authorization", format: "Bearer {}" },
 *   inject: { header: "authorization", format: "token {}" },
 *   env: { GH_HOST_URL: "{base_url}", GH_TOKEN: "{token}" },
 * });
 * console.assert(r.env("http://b", "t").GH_TOKEN === "t");
 * ```
 */
export function customRoute(name: string, config: RouteConfig): RouteSpec {
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(name)) {
    throw new ProxyError(
      `Cannot configure proxy route "${name}": a route name must be lower-case letters, digits, - or _`,
    );
  }
  let upstream: URL;
  try {
    upstream = new URL(config.upstream);
  } catch (err) {
    throw new ProxyError(
      `Cannot configure proxy route "${name}": upstream is not a URL: current value is "${config.upstream}"`,
      { cause: err },
    );
  }
  if (upstream.protocol !== "https:" || upstream.search || upstream.username) {
    throw new ProxyError(
      `Cannot configure proxy route "${name}": upstream must be https://host[:port][/path]: current value is "${config.upstream}"`,
    );
  }
  upstream.pathname = upstream.pathname.replace(/\/+$/, "");
  return {
    name,
    upstream,
    tokenPrefix: config.tokenPrefix ?? `airlock-${name}-`,
    injector: slotInjector([config.token], config.inject),
    errorShape: "generic",
    ...(config.timeouts ? { timeouts: config.timeouts } : {}),
    env(base, token) {
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(config.env)) {
        out[k] = v.replaceAll("{base_url}", base).replaceAll("{token}", token);
      }
      return out;
    },
  };
}

/**
 * The routes a policy can use: the built-ins plus its custom routes (which may replace a
 * built-in of the same name).
 *
 * @param custom The policy's `routes`.
 * @returns Routes by name.
 * @throws {ProxyError} On an unusable custom route.
 */
export function availableRoutes(custom: Record<string, RouteConfig>): Map<string, RouteSpec> {
  const out = new Map(Object.entries(BUILTIN_ROUTES));
  for (const [name, config] of Object.entries(custom)) out.set(name, customRoute(name, config));
  return out;
}
