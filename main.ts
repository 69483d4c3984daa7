/**
 * airlock's entry point: dispatches to the CLI, or (internally) to the sandbox exec helper.
 *
 * The helper path is kept free of CLI imports so a confined launch starts fast.
 *
 * @module
 */

if (Deno.args[0] === "__sandbox-exec") {
  const { execHelperMain } = await import("./src/sandbox/exec_helper.ts");
  execHelperMain(Deno.args.slice(1));
} else {
  const { main } = await import("./src/cli/mod.ts");
  Deno.exit(await main(Deno.args));
}
