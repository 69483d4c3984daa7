/**
 * airlock's entry point: dispatches to the CLI, or (internally) to the sandbox exec helper.
 *
 * The helper path is kept free of CLI imports so a confined launch starts fast, and a
 * well-formed `run … -- CMD` or `shell` takes the fast path (`src/cli/fast_run.ts`, loaded
 * as the single pre-built `fast_run.bundle.js`), which falls back to the full CLI for
 * anything else. Every import here is lazy (`src/lazy_import.ts`): Deno would otherwise
 * load the whole CLI before the first line runs.
 *
 * @module
 */

import { lazyImport } from "./src/lazy_import.ts";

if (Deno.args[0] === "__sandbox-exec") {
  const { execHelperMain } = await lazyImport<typeof import("./src/sandbox/exec_helper.ts")>(
    "./src/sandbox/exec_helper.ts",
    import.meta.url,
  );
  await execHelperMain(Deno.args.slice(1));
} else if (Deno.args[0] === "__sandbox-bridge") {
  await lazyImport<typeof import("./src/bridge/inside_main.ts")>(
    "./src/bridge/inside_main.ts",
    import.meta.url,
  ).then((m) => m.bridgeFromEnv());
} else {
  let code: number | null = null;
  if (Deno.args[0] === "run" || Deno.args[0] === "shell") {
    // One pre-built file (`scripts/build_bundles.ts`): ~40 modules load ≈ 9 ms slower.
    const { tryFastRun } = await lazyImport<typeof import("./src/cli/fast_run.ts")>(
      "./src/cli/fast_run.bundle.js",
      import.meta.url,
    );
    code = await tryFastRun(Deno.args);
  }
  if (code === null) {
    const { main } = await lazyImport<typeof import("./src/cli/mod.ts")>(
      "./src/cli/mod.ts",
      import.meta.url,
    );
    code = await main(Deno.args);
  }
  Deno.exit(code);
}
