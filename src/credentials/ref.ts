/**
 * Credential references: the text that names where a secret comes from, wherever a
 * credential is named (profiles, `airlock secret check`, the proxy).
 *
 * - `keyring:NAME`: an item in the system keystore (also a bare `NAME`)
 * - `env:VAR`: an environment variable of airlock's own process
 * - `file:PATH`: a file owned by the user and private to them (`~/` expands to `$HOME`)
 * - `cmd:COMMAND ARGS…`: a credential helper's standard output, run without a shell
 *
 * @module
 */

import { KeystoreError } from "../errors.ts";
import { ACCOUNT_NAME_RULE, isAccountName } from "../keystore/account_name.ts";
import { splitCommand } from "./split_command.ts";

/** A parsed credential reference. */
export type CredentialRef =
  | { scheme: "keyring"; name: string }
  | { scheme: "env"; variable: string }
  | { scheme: "file"; path: string }
  | { scheme: "cmd"; argv: [string, ...string[]] };

/** Every scheme, in the order error hints list them. */
export const CREDENTIAL_SCHEMES = ["keyring", "env", "file", "cmd"] as const;

const SCHEMES_HINT = "Use keyring:NAME (or just NAME), env:VAR, file:PATH or cmd:COMMAND ARGS…";
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses a credential reference. Text without a scheme is a keyring name.
 *
 * @param text The reference, e.g. `keyring:openai`, `env:OPENAI_API_KEY`, `cmd:op read op://x/y`.
 * @returns The parsed reference.
 * @throws {KeystoreError} On an unknown scheme or a malformed name, variable, path or command.
 * @example Parsing each scheme
 * ```ts
 * import { parseCredentialRef } from "./ref.ts";
 * console.assert(parseCredentialRef("openai").scheme === "keyring");
 * const ref = parseCredentialRef("cmd:pass show 'api keys/openai'");
 * console.assert(ref.scheme === "cmd" && ref.argv[2] === "api keys/openai");
 * ```
 */
export function parseCredentialRef(text: string): CredentialRef {
  const colon = text.indexOf(":");
  if (colon < 0) return { scheme: "keyring", name: keyringName(text, text) };
  const scheme = text.slice(0, colon);
  const rest = text.slice(colon + 1);
  switch (scheme) {
    case "keyring":
      return { scheme, name: keyringName(rest, text) };
    case "env":
      if (!ENV_NAME.test(rest)) {
        throw refError(text, "the variable name is not valid", "Use env:NAME with A-Z a-z 0-9 _");
      }
      return { scheme, variable: rest };
    case "file":
      if (rest.length === 0) throw refError(text, "the path is empty", "Use file:/path/to/secret");
      return { scheme, path: rest };
    case "cmd": {
      const argv = splitCommand(rest, `Cannot parse credential reference "${text}"`);
      return { scheme, argv };
    }
    default:
      throw new KeystoreError(
        `Cannot parse credential reference: unknown scheme ${JSON.stringify(scheme.slice(0, 20))}`,
        { hint: SCHEMES_HINT },
      );
  }
}

/**
 * The text of a reference as it is safe to show: a `cmd:` reference shows only its
 * program (its arguments may name vaults or items the user did not mean to print).
 *
 * @param ref The reference.
 * @returns E.g. `keyring:openai`, `env:OPENAI_API_KEY`, `cmd:op …`.
 * @example
 * ```ts
 * import { describeCredentialRef } from "./ref.ts";
 * console.assert(describeCredentialRef({ scheme: "cmd", argv: ["op", "read", "x"] }) === "cmd:op …");
 * ```
 */
export function describeCredentialRef(ref: CredentialRef): string {
  switch (ref.scheme) {
    case "keyring":
      return `keyring:${ref.name}`;
    case "env":
      return `env:${ref.variable}`;
    case "file":
      return `file:${ref.path}`;
    case "cmd":
      return `cmd:${ref.argv[0]}${ref.argv.length > 1 ? " …" : ""}`;
  }
}

function keyringName(name: string, text: string): string {
  if (!isAccountName(name)) {
    throw refError(
      name.length > 128 ? "keyring:…" : text,
      "the keyring name is not valid",
      `Use ${ACCOUNT_NAME_RULE}`,
    );
  }
  return name;
}

function refError(text: string, state: string, hint: string): KeystoreError {
  return new KeystoreError(`Cannot parse credential reference "${text}": ${state}`, { hint });
}
