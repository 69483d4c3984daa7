/**
 * airlock's entry point: dispatches to the CLI, or (internally) to the sandbox exec helper.
 *
 * The helper path is kept free of CLI imports so a confined launch starts fast, and a
 * well-formed `run … -- CMD` or `shell` takes the fast path (`src/cli/fast_run.ts`, loaded
 * as the single pre-built `fast_run.bundle.js` while it is fresh, see
 * `src/cli/fast_run_module.ts`), which falls back to the full CLI for anything else.
 * A leading `--verbose` prints which of those was loaded. Every import here is lazy (`src/lazy_import.ts`): Deno would otherwise
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
  let args = Deno.args;
  if (args[0] === "--verbose") {
    args = args.slice(1);
    const { setVerbose } = await lazyImport<typeof import("./src/bundles.ts")>(
      "./src/bundles.ts",
      import.meta.url,
    );
    setVerbose(true);
  }
  let code: number | null = null;
  if (args[0] === "run" || args[0] === "shell") {
    const fastRun = await lazyImport<typeof import("./src/cli/fast_run_module.ts")>(
      "./src/cli/fast_run_module.ts",
      import.meta.url,
    ).then((m) => m.loadFastRun());
    if (fastRun !== null) code = await fastRun.tryFastRun(args);
  }
  if (code === null) {
    const { main } = await lazyImport<typeof import("./src/cli/mod.ts")>(
      "./src/cli/mod.ts",
      import.meta.url,
    );
    code = await main(args);
  }
  Deno.exit(code);
}
