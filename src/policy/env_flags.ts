/**
 * `--env NAME[=VALUE]` and `--env-secret NAME`: what the command line adds to the
 * environment rules. `--env NAME` passes NAME from airlock's environment (its value is
 * still checked for credential shapes); `--env NAME=VALUE` sets it to exactly VALUE (a
 * value typed by the user is not checked); `--env-secret NAME` passes NAME with its value
 * unchecked, the one way to hand the command a secret-looking value without putting it
 * in argv.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { structuralReason } from "./env_filter.ts";
import { secretShape } from "./secret_shapes.ts";
import { ENV_NAME } from "./syntax.ts";

/** The parsed flags. */
export interface EnvFlags {
  /** `--env NAME`: names passed from airlock's environment. */
  pass: string[];
  /** `--env NAME=VALUE`: values set (the last one wins). */
  set: Record<string, string>;
  /** `--env-secret NAME`: names passed unchecked. */
  secret: string[];
}

function checkName(flag: string, name: string): void {
  if (!ENV_NAME.test(name)) {
    // A pasted secret is not a name: never echo one.
    const shown = name.length <= 64 && secretShape(name) === null
      ? `current value is "${name}"`
      : "the value is not shown as it may be a secret";
    throw new UsageError(
      `Cannot parse ${flag}: a variable name uses letters, digits and "_" and does not start with a digit: ${shown}`,
      { hint: `for example ${flag} JAVA_HOME` },
    );
  }
  const structural = structuralReason(name);
  if (structural !== null) {
    throw new UsageError(`Cannot pass ${flag} ${name}: ${structural}`, {
      hint: name.startsWith("AIRLOCK_")
        ? "AIRLOCK_* variables configure airlock, never the command"
        : "the command reaches the network through airlock's proxy, which sets these",
    });
  }
}

/**
 * Parses `--env` and `--env-secret` values.
 *
 * @param env The `--env` values (`NAME` or `NAME=VALUE`).
 * @param secret The `--env-secret` values (`NAME`).
 * @returns The names to pass, the values to set and the names to pass unchecked.
 * @throws {UsageError} On a malformed name, a value given to `--env-secret`, or a proxy or
 *   `AIRLOCK_*` name (the message never shows a value).
 * @example
 * ```ts
 * import { parseEnvFlags } from "./env_flags.ts";
 * const flags = parseEnvFlags(["JAVA_HOME", "MODE=dev"], ["GITHUB_TOKEN"]);
 * console.assert(flags.pass[0] === "JAVA_HOME" && flags.set.MODE === "dev");
 * console.assert(flags.secret[0] === "GITHUB_TOKEN");
 * ```
 */
export function parseEnvFlags(env: readonly string[], secret: readonly string[]): EnvFlags {
  const out: EnvFlags = { pass: [], set: {}, secret: [] };
  for (const item of env) {
    const eq = item.indexOf("=");
    const name = eq < 0 ? item : item.slice(0, eq);
    checkName("--env", name);
    if (eq < 0) {
      if (!out.pass.includes(name)) out.pass.push(name);
    } else {
      out.set[name] = item.slice(eq + 1);
    }
  }
  for (const name of secret) {
    if (name.includes("=")) {
      throw new UsageError(
        `Cannot parse --env-secret: it takes a variable name, not NAME=VALUE: the value is not shown as it may be a secret`,
        {
          hint:
            "--env-secret NAME passes NAME from airlock's environment; --env NAME=VALUE sets one",
        },
      );
    }
    checkName("--env-secret", name);
    if (!out.secret.includes(name)) out.secret.push(name);
  }
  return out;
}
