/**
 * `airlock run` and `airlock shell`: resolve the policy, start the proxy when
 * credentials are asked for, and run the command confined.
 *
 * @module
 */

import type { Command } from "commander";
import { UsageError } from "../errors.ts";
import { addFlags, addPolicyFlags } from "./policy_flags.ts";
import { RUN_FLAGS } from "./flag_table.ts";
import { runConfined, type RunFlagValues } from "./run_confined.ts";
import { setExitStatus } from "./mod.ts";

/**
 * Registers `airlock run` and `airlock shell`.
 *
 * @param program The root program.
 */
export function register(program: Command): void {
  addFlags(
    addPolicyFlags(
      program.command("run")
        .description("run COMMAND confined by a profile")
        .usage("[flags] -- COMMAND [ARGS...]")
        .argument("[command...]", "the command and its arguments (after --)")
        .passThroughOptions(),
    ),
    RUN_FLAGS,
  )
    .action(async (command: string[], values: RunFlagValues) => {
      if (command.length === 0) {
        throw new UsageError("Cannot run: no command given", {
          hint: "put the command after --, e.g. airlock run -- bash",
        });
      }
      setExitStatus(await runConfined(command, values));
    });

  addFlags(
    addPolicyFlags(
      program.command("shell")
        .description("run an interactive shell ($SHELL, else /bin/sh) confined by a profile"),
    ),
    RUN_FLAGS,
  )
    .action(async (values: RunFlagValues) => {
      const shell = Deno.env.get("SHELL") || "/bin/sh";
      setExitStatus(await runConfined([shell], values));
    });
}
