/**
 * The entry of the trust step into `airlock run`, kept small because the fast launch path
 * bundles it: when no trust policy exists and the tree holds no instruction file, it
 * costs two `stat`s and one directory walk, and returns null. Otherwise it loads
 * `session.ts` (policies, verification, audit) on demand: its pre-built bundle
 * (`session.bundle.js`) while that is fresh, else the modules (`src/bundles.ts`).
 *
 * `--trust-override` skips the scan, loudly, and is recorded.
 *
 * @module
 */

import { useBundle } from "../bundles.ts";
import { lazyImport } from "../lazy_import.ts";
import { DEFAULT_INCLUDES } from "./default_includes.ts";
import { trustPolicyPaths } from "./policy_paths.ts";
import { scanTree } from "./scanner.ts";
import type { TrustLaunch } from "./session.ts";

export type { TrustLaunch } from "./session.ts";

/** What the run step needs to know. */
export interface TrustGateOptions {
  /** The scanned root: the workdir, else the current directory. */
  root: string;
  /** The command. */
  argv: string[];
  /** `--trust-override`. */
  override?: boolean;
  /** The environment (default: the process's). */
  env?: Record<string, string | undefined>;
}

/**
 * Runs the trust step before a launch.
 *
 * Requires `--allow-read` and `--allow-env`; `--allow-write` on the state directory when
 * there is something to record.
 *
 * @param options The root, the command and the override flag.
 * @returns What the launch needs when there are files to protect (read-only paths, the
 *   verification to settle before the command starts, re-verification at exit), or null.
 * @throws {TrustError} When the trust policy denies the run (exit 125); under `deny`,
 *   from `settle()`.
 * @example
 * ```ts ignore
 * const trust = await trustGate({ root: policy.workdir ?? policy.cwd, argv });
 * launch.start(policy, { argv, readOnlyPaths: trust?.readOnlyPaths });
 * await trust?.settle(); // throws TrustError when the policy denies the run
 * const status = await launch.run();
 * return trust ? await trust.afterExit(status) : status;
 * ```
 */
export async function trustGate(options: TrustGateOptions): Promise<TrustLaunch | null> {
  const env = options.env ?? Deno.env.toObject();
  const run = { root: options.root, argv: options.argv, env };
  const session = () => loadSession();
  if (options.override) {
    (await session()).recordOverride(run);
    return null;
  }
  const paths = trustPolicyPaths(options.root, env);
  if (!exists(paths.user) && !exists(paths.project)) {
    const stats = { entries: 0, truncated: false };
    const found = scanTree(options.root, { includes: DEFAULT_INCLUDES, home: paths.home, stats });
    if (found.length === 0 && !stats.truncated) return null;
  }
  return await (await session()).trustBeforeLaunch(run);
}

type SessionModule = typeof import("./session.ts");

function loadSession(): Promise<SessionModule> {
  // Specifiers of the `../trust/` form: this module also runs from the fast path's bundle.
  const bundle = new URL("../trust/session.bundle.js", import.meta.url);
  return lazyImport<SessionModule>(
    useBundle(bundle, "src/trust/session.bundle.js") ? bundle.href : "../trust/session.ts",
    import.meta.url,
  );
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
