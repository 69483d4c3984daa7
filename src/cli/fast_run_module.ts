/**
 * Which copy of the `run` fast path to load: the pre-built `fast_run.bundle.js` while it
 * is fresh (one file loads ≈ 9 ms faster than its ~130 modules), else `fast_run.ts`
 * itself while the `arg` bundle it imports is fresh, else none — the full commander CLI
 * then handles `run` and `shell`, with the same result. A stale or missing bundle never
 * runs (`src/bundles.ts`).
 *
 * @module
 */

import { useBundle } from "../bundles.ts";
import { lazyImport } from "../lazy_import.ts";

/** The fast path's module interface. */
export type FastRunModule = typeof import("./fast_run.ts");

/**
 * Loads the fast path.
 *
 * Requires `--allow-read`.
 *
 * @returns The module, or null when only the full CLI can run the command.
 * @example
 * ```ts ignore
 * import { loadFastRun } from "./fast_run_module.ts";
 * const fast = await loadFastRun();
 * const code = fast ? await fast.tryFastRun(["run", "--", "true"]) : null;
 * ```
 */
export async function loadFastRun(): Promise<FastRunModule | null> {
  const bundle = new URL("./fast_run.bundle.js", import.meta.url);
  if (useBundle(bundle, "src/cli/fast_run.bundle.js")) {
    return await lazyImport<FastRunModule>(bundle.href, import.meta.url);
  }
  if (useBundle(new URL("./arg.bundle.js", import.meta.url), "src/cli/arg.bundle.js")) {
    return await lazyImport<FastRunModule>("./fast_run.ts", import.meta.url);
  }
  return null;
}
