/**
 * The `airlock` command line: builds the commander program from one `register()`
 * per command file, runs it, and turns every error into one stderr line and a
 * documented exit code.
 *
 * @module
 */

import { Command, CommanderError } from "commander";
import { EXIT_USAGE, exitCodeFor, formatError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { lazyImport } from "../lazy_import.ts";

/** Exit status a command action sets; the action's return value wins over 0. */
let actionStatus = 0;

/**
 * Records the exit status of the running action (for commands that do not throw).
 *
 * @param code The status to exit with.
 */
export function setExitStatus(code: number): void {
  actionStatus = code;
}

/** A command file: it registers its commands on the program. */
export type CommandModule = { register(program: Command): void };

/**
 * Every command file, loaded on demand: `airlock run` loads only `run.ts` (and what it
 * needs), so a confined launch does not pay for the proxy, keystore or profile tools.
 */
const loadRun = () => lazyImport<typeof import("./run.ts")>("./run.ts", import.meta.url);
const COMMAND_FILES: Record<string, () => Promise<CommandModule>> = {
  run: loadRun,
  shell: loadRun,
  why: () => lazyImport<typeof import("./why.ts")>("./why.ts", import.meta.url),
  profile: () => lazyImport<typeof import("./profile.ts")>("./profile.ts", import.meta.url),
  doctor: () => lazyImport<typeof import("./doctor.ts")>("./doctor.ts", import.meta.url),
  secret: () => lazyImport<typeof import("./secret.ts")>("./secret.ts", import.meta.url),
  proxy: () => lazyImport<typeof import("./proxy.ts")>("./proxy.ts", import.meta.url),
  audit: () => lazyImport<typeof import("./audit.ts")>("./audit.ts", import.meta.url),
  trust: () => lazyImport<typeof import("./trust.ts")>("./trust.ts", import.meta.url),
  rollback: () => lazyImport<typeof import("./rollback.ts")>("./rollback.ts", import.meta.url),
  completions: () =>
    lazyImport<typeof import("./completions.ts")>("./completions.ts", import.meta.url),
};

/**
 * Loads the command files `args` needs: the named command's, or all of them (for help
 * and unknown commands).
 *
 * @param args The arguments after the program name.
 * @returns The command modules, in help order.
 */
export async function commandModules(args: string[]): Promise<CommandModule[]> {
  const first = args[0];
  const only = first !== undefined && first !== "help" ? COMMAND_FILES[first] : undefined;
  const loaders = only ? [only] : [...new Set(Object.values(COMMAND_FILES))];
  return await Promise.all(loaders.map((load) => load()));
}

/**
 * Builds the program with the given command files registered.
 *
 * @param modules Command files from {@linkcode commandModules}.
 * @returns The commander program (not yet parsed).
 */
export function buildProgram(modules: CommandModule[]): Command {
  const program = new Command("airlock")
    .description(
      "Run AI coding agents in a kernel-enforced sandbox, with a phantom-token credential proxy.",
    )
    .version(VERSION, "-V, --version", "print version, commit, Deno version and target (--json)")
    .option("--verbose", "before a command: say which pre-built bundles a launch loads")
    .showHelpAfterError("(run with --help for usage)")
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => write(`airlock: ${text.replace(/^error: /, "")}`),
    });
  for (const module of modules) module.register(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

/**
 * Runs the CLI.
 *
 * @param args The arguments after the program name.
 * @returns The process exit code.
 * @example
 * ```ts ignore
 * import { main } from "./mod.ts";
 * Deno.exit(await main(["doctor"]));
 * ```
 */
export async function main(args: string[]): Promise<number> {
  actionStatus = 0;
  if (args[0] === "--version" || args[0] === "-V") return await printVersion(args.slice(1));
  const program = buildProgram(await commandModules(args));
  try {
    await program.parseAsync(args, { from: "user" });
    return actionStatus;
  } catch (err) {
    // Help and --version exit 0; every other commander error is a usage error.
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE;
    console.error(formatError(err));
    return exitCodeFor(err);
  }
}

/**
 * `airlock --version [--json]`: version, commit, Deno version and target.
 *
 * @param rest The arguments after `--version`.
 * @returns The exit code.
 */
async function printVersion(rest: string[]): Promise<number> {
  if (rest.length > 1 || (rest.length === 1 && rest[0] !== "--json")) {
    console.error("airlock: --version takes only --json");
    return EXIT_USAGE;
  }
  const { buildInfo, versionText } = await lazyImport<typeof import("../build_info.ts")>(
    "../build_info.ts",
    import.meta.url,
  );
  const info = buildInfo();
  console.log(rest[0] === "--json" ? JSON.stringify(info, null, 2) : versionText(info).trimEnd());
  return 0;
}
