/**
 * Test helpers for the policy tests: a throw-away home directory and profile files in a
 * temp dir, and a {@linkcode PolicyRequest} with every flag at its default.
 *
 * @module
 */

import type { PolicyRequest } from "../../src/policy/types.ts";

/** A temporary layout: `root/home` is `$HOME`, `root/tmp` is `$TMPDIR`, `root/work` the cwd. */
export interface Fixture {
  /** The temp dir holding everything (real path). */
  root: string;
  /** `$HOME`. */
  home: string;
  /** `$TMPDIR`. */
  tmp: string;
  /** The working directory. */
  work: string;
  /** The environment to resolve with. */
  env: Record<string, string>;
  /** Writes a user profile `$XDG_CONFIG_HOME/airlock/profiles/NAME.json`; returns its path. */
  userProfile(name: string, content: unknown): Promise<string>;
  /** Writes a file (creating parents) under `root`; returns its absolute path. */
  file(rel: string, content?: string): Promise<string>;
  /** A request with defaults, overridden by `over`. */
  request(over?: Partial<PolicyRequest>): PolicyRequest;
  /** Removes the temp dir. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Creates a fixture; use with `await using`.
 *
 * @returns The fixture.
 */
export async function fixture(): Promise<Fixture> {
  const root = await Deno.realPath(await Deno.makeTempDir({ prefix: "airlock-policy-" }));
  const home = `${root}/home`;
  const tmp = `${root}/tmp`;
  const work = `${root}/work`;
  for (const d of [home, tmp, work]) await Deno.mkdir(d, { recursive: true });
  const env = { HOME: home, TMPDIR: tmp, PATH: "/usr/bin:/bin" };
  async function file(rel: string, content = ""): Promise<string> {
    const path = rel.startsWith("/") ? rel : `${root}/${rel}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, content);
    return path;
  }
  return {
    root,
    home,
    tmp,
    work,
    env,
    file,
    userProfile: (name, content) =>
      file(
        `${home}/.config/airlock/profiles/${name}.json`,
        typeof content === "string" ? content : JSON.stringify(content),
      ),
    request: (over = {}) => ({
      profile: "default",
      allow: [],
      read: [],
      write: [],
      noWorkdir: false,
      allowPorts: [],
      listenPorts: [],
      allowUnixSockets: false,
      allowDomains: [],
      credentials: [],
      bypassProtection: [],
      resolve: [],
      upstreamCa: [],
      bestEffort: false,
      cwd: work,
      env,
      ...over,
    }),
    async [Symbol.asyncDispose]() {
      await Deno.remove(root, { recursive: true });
    },
  };
}

/**
 * Runs `fn` and returns the error it throws (failing when it does not throw).
 *
 * @param fn The function.
 * @returns The thrown error.
 */
export async function thrown(fn: () => unknown): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`threw a non-Error: ${String(err)}`);
  }
  throw new Error("expected an error, none was thrown");
}

/**
 * The environment for a CLI subprocess inside a fixture, keeping Deno's cache where it is.
 *
 * @param fx The fixture.
 * @returns Variables for `runCli()`.
 */
export function cliEnv(fx: { home: string; tmp: string }): Record<string, string> {
  const home = Deno.env.get("HOME") ?? "/root";
  return {
    HOME: fx.home,
    TMPDIR: fx.tmp,
    XDG_CONFIG_HOME: `${fx.home}/.config`,
    DENO_DIR: Deno.env.get("DENO_DIR") ?? `${home}/.cache/deno`,
  };
}
