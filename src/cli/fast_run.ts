/**
 * The fast path of `airlock run … -- CMD` and `airlock shell`: every launch pays for the
 * CLI's start-up, and loading commander (an npm module, which also initialises Deno's
 * Node compatibility layer) costs ≈ 25 ms, more than the rest of a launch. For
 * well-formed invocations this module parses the same flag table (`flag_table.ts`) with
 * the strict `arg` parser, bundled into `arg.bundle.js` so it loads no npm resolver and
 * no `node:*` module, and runs the same body (`run_confined.ts`). Anything unusual —
 * help, an unknown or malformed flag, a value outside its choices, no `--` before the
 * command — returns null, and the full commander CLI handles it with its own messages,
 * so behaviour and errors stay those of the commander definition.
 *
 * @module
 */

import { arg } from "./arg.bundle.js";
import { exitCodeFor, formatError } from "../errors.ts";
import { flagKey, type FlagSpec, POLICY_FLAGS, RUN_FLAGS } from "./flag_table.ts";
import { runConfined, type RunFlagValues } from "./run_confined.ts";

/** What the fast path understood: the command (empty for `shell`) and the flag values. */
export interface FastRun {
  /** `run` or `shell`. */
  name: "run" | "shell";
  /** The command after `--` (empty for `shell`). */
  command: string[];
  /** The values, keyed as commander keys them. */
  values: RunFlagValues;
}

const SPECS: readonly FlagSpec[] = [...POLICY_FLAGS, ...RUN_FLAGS];

/** `--name` of every boolean flag. */
const BOOLEAN_LONGS = new Set(SPECS.filter((spec) => !spec.value).map((spec) => `--${spec.long}`));

/** `arg`'s spec: `--long` → String, [String] (repeatable) or Boolean; `-s` → `--long`. */
const ARG_SPEC: Parameters<typeof arg>[0] = Object.fromEntries(
  SPECS.flatMap((spec) => {
    const type = spec.value ? (spec.repeatable ? [String] as [typeof String] : String) : Boolean;
    const long: [string, typeof type | string] = [`--${spec.long}`, type];
    return spec.short ? [long, [`-${spec.short}`, `--${spec.long}`]] : [long];
  }),
);

/**
 * Parses a `run`/`shell` command line the way commander would, or gives up.
 *
 * @param args The arguments after the program name (`["run", "--net", "none", "--", "ls"]`).
 * @returns The parsed invocation, or null when the full CLI must handle it.
 * @example
 * ```ts
 * import { parseFastRun } from "./fast_run.ts";
 * const run = parseFastRun(["run", "-p", "codex", "--allow-port", "80", "--", "ls", "-l"]);
 * console.assert(run?.values.profile === "codex" && run.command.join(" ") === "ls -l");
 * console.assert(parseFastRun(["run", "--help", "--", "ls"]) === null);
 * ```
 */
export function parseFastRun(args: readonly string[]): FastRun | null {
  const [name, ...rest] = args;
  let flagArgs: string[];
  let command: string[] = [];
  if (name === "run") {
    const separator = rest.indexOf("--");
    if (separator < 0) return null;
    flagArgs = rest.slice(0, separator);
    command = rest.slice(separator + 1);
    if (command.length === 0) return null;
  } else if (name === "shell") {
    flagArgs = rest;
  } else {
    return null;
  }
  // `arg` reads `--json=1` as true; commander refuses a value for a boolean flag.
  if (flagArgs.some((a) => a.includes("=") && BOOLEAN_LONGS.has(a.slice(0, a.indexOf("="))))) {
    return null;
  }
  let parsed: Record<string, unknown>;
  try {
    // Strict: an unknown flag, a missing value or a value given to a boolean throws.
    parsed = arg(ARG_SPEC, { argv: flagArgs, permissive: false });
  } catch {
    return null;
  }
  if ((parsed._ as string[]).length > 0) return null; // positionals belong to commander
  const values: Record<string, unknown> = {};
  for (const spec of SPECS) {
    const value = parsed[`--${spec.long}`];
    if (value === undefined) {
      if (spec.default !== undefined) values[flagKey(spec.long)] = spec.default;
      continue;
    }
    if (spec.choices && !spec.choices.includes(value as string)) return null;
    if (spec.long.startsWith("no-")) {
      // `--workdir DIR --no-workdir`: commander's last-one-wins needs the order; defer.
      const positive = spec.long.slice(3);
      if (parsed[`--${positive}`] !== undefined) return null;
      values[flagKey(spec.long)] = false;
      continue;
    }
    values[flagKey(spec.long)] = value;
  }
  return { name, command, values: values as RunFlagValues };
}

/**
 * Runs `airlock run`/`airlock shell` through the fast path when it applies.
 *
 * Requires the same permissions as `airlock run` (`-A`).
 *
 * @param args The arguments after the program name.
 * @returns The exit code, or null when the full CLI must handle the invocation.
 */
export async function tryFastRun(args: readonly string[]): Promise<number | null> {
  const run = parseFastRun(args);
  if (run === null) return null;
  const command = run.name === "shell" ? [Deno.env.get("SHELL") || "/bin/sh"] : run.command;
  try {
    return await runConfined(command, run.values);
  } catch (err) {
    console.error(formatError(err));
    return exitCodeFor(err);
  }
}
