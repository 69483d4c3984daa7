/**
 * `airlock secret set | rm | list | check`: manage credentials in the system keystore and
 * check any credential reference. Values are read from stdin (a terminal prompt without
 * echo, or a pipe), never from the command line, and never printed: `check` reports only
 * whether a reference resolved and how many bytes it has.
 *
 * @module
 */

import type { Command } from "commander";
import { AirlockError, formatError, UsageError } from "../errors.ts";
import { ACCOUNT_NAME_RULE, getKeystore, isAccountName } from "../keystore/mod.ts";
import {
  type CredentialRef,
  DEFAULT_HELPER_TIMEOUT_MS,
  describeCredentialRef,
  parseCredentialRef,
  resolveCredential,
} from "../credentials/mod.ts";
import { readSecretInput } from "../credentials/secret_input.ts";
import { setExitStatus } from "./mod.ts";

/** What `airlock secret check --json` prints. */
export interface CheckReport {
  /** The reference as it is safe to show (a `cmd:` reference shows only its program). */
  ref: string | null;
  /** Whether the reference resolved to a non-empty secret. */
  resolved: boolean;
  /** The secret's length in bytes, when resolved. */
  bytes?: number;
  /** Why it did not resolve. */
  error?: string;
  /** How to fix it. */
  hint?: string;
}

/**
 * Registers `airlock secret` and its subcommands.
 *
 * @param program The root program.
 */
export function register(program: Command): void {
  const secret = program.command("secret")
    .description("store, remove, list and check credentials (values never printed)");

  secret.command("set")
    .description("store a credential in the keystore; the value comes from stdin or a prompt")
    .argument("<name>", `credential name (${ACCOUNT_NAME_RULE})`)
    .allowExcessArguments(true)
    .action(async (name: string, _values: unknown, command: Command) => {
      if (command.args.length > 1) {
        throw new UsageError(
          `Cannot store credential${quoted(name)}: a value on the command line is refused`,
          {
            hint: "Type it at the prompt, or pipe it: `airlock secret set NAME < file` " +
              "(command lines are visible to other processes and kept in shell history)",
          },
        );
      }
      await setSecret(checkedName(name, "store"));
    });

  secret.command("rm")
    .description("remove a credential from the keystore")
    .argument("<name>", "credential name")
    .action((name: string) => {
      const keystore = getKeystore();
      if (keystore.remove(checkedName(name, "remove"))) {
        console.log(`Removed credential "${name}" from ${keystore.name}`);
        return;
      }
      console.error(
        formatError(new AirlockError(`Cannot remove credential "${name}": no such item`, 1)),
      );
      setExitStatus(1);
    });

  secret.command("list")
    .description("list credential names in the keystore (never values)")
    .option("--json", "print a JSON array of names")
    .action((values: { json?: boolean }) => {
      const names = getKeystore().list();
      if (values.json) console.log(JSON.stringify(names));
      else for (const name of names) console.log(name);
    });

  secret.command("check")
    .description("resolve a credential reference and report whether it worked (never the value)")
    .argument("<ref>", "keyring:NAME (or NAME), env:VAR, file:PATH or cmd:COMMAND ARGS…")
    .option("--json", "print a JSON report")
    .option(
      "--timeout <seconds>",
      "how long a cmd: helper may run",
      String(DEFAULT_HELPER_TIMEOUT_MS / 1000),
    )
    .action(async (text: string, values: { json?: boolean; timeout: string }) => {
      const report = await checkReference(text, timeoutMs(values.timeout));
      if (values.json) console.log(JSON.stringify(report));
      else if (report.resolved) console.log(`${report.ref}: resolved (${report.bytes} bytes)`);
      else {console.error(
          `airlock: ${report.error}${report.hint ? `\n  hint: ${report.hint}` : ""}`,
        );}
      if (!report.resolved) setExitStatus(1);
    });
}

/**
 * Resolves a reference and describes the outcome without the value.
 *
 * @param text The reference text.
 * @param helperTimeoutMs How long a `cmd:` helper may run.
 * @returns The report; `resolved` is false on any failure.
 * @example
 * ```ts
 * import { checkReference } from "./secret.ts";
 * const report = await checkReference("env:AIRLOCK_SURELY_UNSET_VARIABLE", 1000);
 * console.assert(!report.resolved && report.ref === "env:AIRLOCK_SURELY_UNSET_VARIABLE");
 * ```
 */
export async function checkReference(text: string, helperTimeoutMs: number): Promise<CheckReport> {
  let ref: CredentialRef | undefined;
  try {
    ref = parseCredentialRef(text);
    using secret = await resolveCredential(ref, { helperTimeoutMs });
    return { ref: describeCredentialRef(ref), resolved: true, bytes: secret.length };
  } catch (error) {
    if (!(error instanceof AirlockError)) throw error;
    return {
      ref: ref ? describeCredentialRef(ref) : null,
      resolved: false,
      error: error.message,
      ...(error.hint ? { hint: error.hint } : {}),
    };
  }
}

async function setSecret(name: string): Promise<void> {
  const keystore = getKeystore();
  using secret = await readSecretInput(`Secret for "${name}" (input hidden): `);
  if (secret.length === 0) {
    throw new UsageError(`Cannot store credential "${name}": the value is empty`, {
      hint: "Type the value at the prompt, or pipe a non-empty value on stdin",
    });
  }
  keystore.set(name, secret);
  console.log(`Stored credential "${name}" in ${keystore.name} (${secret.length} bytes)`);
}

function checkedName(name: string, verb: string): string {
  if (isAccountName(name)) return name;
  throw new UsageError(`Cannot ${verb} credential: the name is not valid`, {
    hint: `Use ${ACCOUNT_NAME_RULE}`,
  });
}

/** ` "NAME"` for a valid name; nothing for an invalid one (it may be a pasted value). */
function quoted(name: string): string {
  return isAccountName(name) ? ` "${name}"` : "";
}

function timeoutMs(seconds: string): number {
  const value = Number(seconds);
  if (!Number.isFinite(value) || value <= 0) {
    throw new UsageError(
      `Cannot check credential: --timeout must be a positive number of seconds: current value is "${seconds}"`,
    );
  }
  return Math.round(value * 1000);
}
