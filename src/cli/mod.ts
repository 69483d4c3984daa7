/**
 * The `airlock` command line: builds the commander program from one `register()`
 * per command file, runs it, and turns every error into one stderr line and a
 * documented exit code.
 *
 * @module
 */

import { Command, CommanderError } from "commander";
import { EXIT_USAGE, exitCodeFor, formatError } from "../errors.ts";
import { register as registerRun } from "./run.ts";
import { register as registerWhy } from "./why.ts";
import { register as registerProfile } from "./profile.ts";
import { register as registerDoctor } from "./doctor.ts";
import { register as registerSecret } from "./secret.ts";
import { register as registerProxy } from "./proxy.ts";
import { register as registerAudit } from "./audit.ts";
import { VERSION } from "../version.ts";

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

/**
 * Builds the program with every command registered.
 *
 * @returns The commander program (not yet parsed).
 */
export function buildProgram(): Command {
  const program = new Command("airlock")
    .description(
      "Run AI coding agents in a kernel-enforced sandbox, with a phantom-token credential proxy.",
    )
    .version(VERSION, "-V, --version")
    .showHelpAfterError("(run with --help for usage)")
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => write(`airlock: ${text.replace(/^error: /, "")}`),
    });
  registerRun(program);
  registerWhy(program);
  registerProfile(program);
  registerDoctor(program);
  registerSecret(program);
  registerProxy(program);
  registerAudit(program);
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
  const program = buildProgram();
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
