/**
 * airlock's entry point: dispatches to the CLI, or (internally) to the sandbox exec helper.
 *
 * The helper path is kept free of CLI imports so a confined launch starts fast, and a
 * well-formed `run … -- CMD` or `shell` takes the fast path (`src/cli/fast_run.ts`), which
 * falls back to the full CLI for anything else.
 *
 * @module
 */

if (Deno.args[0] === "__sandbox-exec") {
  const { execHelperMain } = await import("./src/sandbox/exec_helper.ts");
  execHelperMain(Deno.args.slice(1));
} else {
  let code: number | null = null;
  if (Deno.args[0] === "run" || Deno.args[0] === "shell") {
    const { tryFastRun } = await import("./src/cli/fast_run.ts");
    code = await tryFastRun(Deno.args);
  }
  if (code === null) {
    const { main } = await import("./src/cli/mod.ts");
    code = await main(Deno.args);
  }
  Deno.exit(code);
}
