/**
 * `airlock completions bash|zsh|fish`: shell completion scripts generated from the
 * commander program itself — the commands, subcommands and options the parser accepts,
 * whose policy flags come from the flag table (`flag_table.ts`) — so completion can never
 * offer a flag the parser refuses. Values complete by what a flag takes: profile names
 * (built-in, plus the user's `profiles/*.json[c]` looked up at completion time), route
 * names for `--credential`, a flag's `choices`, or files.
 *
 * The model ({@linkcode completionModel}) is rendered by `completion_scripts.ts`.
 *
 * @module
 */

import type { Command, Option } from "commander";
import { UsageError } from "../errors.ts";

/** What a flag's value completes to. */
export type ValueKind =
  | { kind: "none" }
  | { kind: "any" }
  | { kind: "file" }
  | { kind: "dir" }
  | { kind: "profile" }
  | { kind: "credential" }
  | { kind: "choices"; choices: readonly string[] };

/** One flag of a command. */
export interface CompletionFlag {
  /** `-p`, `--profile`. */
  names: string[];
  /** What its value completes to (`none` for a boolean flag). */
  value: ValueKind;
  /** One line. */
  description: string;
}

/** A command (or subcommand) as completion sees it. */
export interface CompletionCommand {
  /** `run`, or `show` under `profile`. */
  name: string;
  /** One line. */
  description: string;
  /** Its flags, `--help` included. */
  flags: CompletionFlag[];
  /** Its subcommands. */
  subcommands: CompletionCommand[];
  /** What its positional arguments complete to. */
  positional: "command" | "profile" | "file" | "none";
}

/** The whole program. */
export interface CompletionModel {
  /** Flags before the command (`--verbose`, `--version`). */
  flags: CompletionFlag[];
  /** The commands. */
  commands: CompletionCommand[];
  /** Built-in profile names. */
  profiles: readonly string[];
  /** Built-in route names (`--credential NAME`). */
  routes: string[];
}

/** The shells a script is generated for. */
export const SHELLS = ["bash", "zsh", "fish"] as const;

function valueKind(option: Option): ValueKind {
  if (!option.required && !option.optional) return { kind: "none" };
  if (option.argChoices) return { kind: "choices", choices: option.argChoices };
  const placeholder = /<([^>]+)>/.exec(option.flags)?.[1] ?? "";
  if (option.long === "--profile") return { kind: "profile" };
  if (option.long === "--credential") return { kind: "credential" };
  if (/\bdir\b/.test(placeholder)) return { kind: "dir" };
  if (/path|file/.test(placeholder)) return { kind: "file" };
  return { kind: "any" };
}

function flagsOf(cmd: Command): CompletionFlag[] {
  const flags = cmd.options.map((o) => ({
    names: [o.short, o.long].filter((n): n is string => typeof n === "string"),
    value: valueKind(o),
    description: o.description ?? "",
  }));
  return [...flags, { names: ["-h", "--help"], value: { kind: "none" }, description: "help" }];
}

function positionalOf(cmd: Command): CompletionCommand["positional"] {
  const args = (cmd as unknown as { registeredArguments?: { _name: string }[] })
    .registeredArguments ?? [];
  const name = args[0]?._name ?? "";
  if (name === "command") return "command";
  if (/name\|path|file\|name/.test(name)) return "profile";
  if (/file/.test(name)) return "file";
  return "none";
}

function commandOf(cmd: Command): CompletionCommand {
  return {
    name: cmd.name(),
    description: cmd.description(),
    flags: flagsOf(cmd),
    subcommands: cmd.commands.filter((c) => c.name() !== "help").map(commandOf),
    positional: positionalOf(cmd),
  };
}

/**
 * Builds the completion model from the program the parser runs.
 *
 * @param program The commander program with every command file registered.
 * @param profiles The built-in profile names.
 * @param routes The built-in route names.
 * @returns The model.
 */
export function completionModel(
  program: Command,
  profiles: readonly string[],
  routes: readonly string[],
): CompletionModel {
  return {
    flags: flagsOf(program),
    commands: program.commands.map(commandOf),
    profiles,
    routes: [...routes].sort(),
  };
}

/**
 * Registers `airlock completions`.
 *
 * @param program The root program.
 */
export function register(program: Command): void {
  program.command("completions")
    .description("print a completion script for bash, zsh or fish")
    .argument("<shell>", "bash, zsh or fish")
    .addHelpText(
      "after",
      "\nInstall:\n" +
        "  bash  airlock completions bash > ~/.local/share/bash-completion/completions/airlock\n" +
        '  zsh   airlock completions zsh > "${fpath[1]}/_airlock"  (or: source <(airlock completions zsh))\n' +
        "  fish  airlock completions fish > ~/.config/fish/completions/airlock.fish",
    )
    .action(async (shell: string) => {
      if (!(SHELLS as readonly string[]).includes(shell)) {
        throw new UsageError(
          `Cannot print completions for "${shell}": the shells are ${SHELLS.join(", ")}`,
        );
      }
      const { buildProgram, commandModules } = await import("./mod.ts");
      const { renderCompletions } = await import("./completion_scripts.ts");
      const { BUILTIN_PROFILES } = await import("../policy/locate.ts");
      const { BUILTIN_ROUTES } = await import("../proxy/routes.ts");
      const program = buildProgram(await commandModules([]));
      const model = completionModel(program, BUILTIN_PROFILES, Object.keys(BUILTIN_ROUTES));
      console.log(renderCompletions(shell as (typeof SHELLS)[number], model));
    });
}
