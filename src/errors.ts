/**
 * Error classes for airlock and the one place that maps them to exit codes.
 *
 * Every failure airlock reports to a user is an {@linkcode AirlockError}: a one-line
 * message in std's grammar ("Cannot <action>: <state>"), an optional one-line `hint`
 * saying how to fix it, and the documented exit code. Underlying errors (errno, a
 * parse error) go in `cause`; no secret value ever appears in a message, hint or cause.
 *
 * Exit codes (documented in the README):
 * - 2   usage error (bad flags, no command)
 * - 125 airlock could not start the command (bad profile, missing kernel feature,
 *       missing credential, proxy failure)
 * - 126 the command was found but cannot be executed
 * - 127 the command was not found
 * - otherwise the command's own status, or 128+N when it was killed by signal N
 *
 * @module
 */

import { terminalSafe } from "./audit/terminal_safe.ts";

/** Exit code: the command line was malformed. */
export const EXIT_USAGE = 2;
/** Exit code: airlock failed before the command started. */
export const EXIT_AIRLOCK_FAILED = 125;
/** Exit code: the command exists but cannot be executed. */
export const EXIT_NOT_EXECUTABLE = 126;
/** Exit code: the command was not found. */
export const EXIT_NOT_FOUND = 127;

/**
 * The brand every {@linkcode AirlockError} carries. A registered symbol, so it is the same
 * in every copy of this module: `airlock run` loads a bundled copy (`fast_run.bundle.js`)
 * beside the source modules it loads lazily, and `instanceof` fails across copies.
 */
const AIRLOCK_ERROR_BRAND: unique symbol = Symbol.for("airlock.AirlockError") as never;

/** Options shared by every {@linkcode AirlockError}. */
export interface AirlockErrorOptions {
  /** One line telling the user how to fix the problem. */
  hint?: string;
  /** The underlying error (never one carrying a secret). */
  cause?: unknown;
}

/**
 * Base class of every error airlock reports to a user.
 *
 * @example Throwing and mapping to an exit code
 * ```ts
 * import { AirlockError, exitCodeFor } from "./errors.ts";
 * const err = new AirlockError("Cannot do it: current state is bad", 125);
 * console.assert(exitCodeFor(err) === 125);
 * ```
 */
export class AirlockError extends Error {
  /** The process exit code this error maps to. */
  readonly exitCode: number;
  /** One line telling the user how to fix the problem, if known. */
  readonly hint: string | undefined;

  /**
   * Creates an error with a message, an exit code and an optional hint and cause.
   *
   * @param message One line: what failed and the current state.
   * @param exitCode The documented exit code.
   * @param options A hint and the underlying cause.
   */
  constructor(message: string, exitCode: number, options: AirlockErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AirlockError";
    this.exitCode = exitCode;
    this.hint = options.hint;
    Object.defineProperty(this, AIRLOCK_ERROR_BRAND, { value: true });
  }
}

/**
 * Whether a value is an {@linkcode AirlockError} from any copy of this module (see
 * {@linkcode AIRLOCK_ERROR_BRAND}); use it instead of `instanceof` where an error may
 * cross from source modules into the bundle.
 *
 * @param err The thrown value.
 * @returns True for an airlock error.
 * @example
 * ```ts
 * import { isAirlockError, UsageError } from "./errors.ts";
 * console.assert(isAirlockError(new UsageError("Cannot run: no command given")));
 * console.assert(!isAirlockError(new Error("boom")));
 * ```
 */
export function isAirlockError(err: unknown): err is AirlockError {
  return typeof err === "object" && err !== null &&
    (err as { [AIRLOCK_ERROR_BRAND]?: unknown })[AIRLOCK_ERROR_BRAND] === true;
}

/** The command line is malformed (exit 2). */
export class UsageError extends AirlockError {
  /**
   * Creates a usage error (exit 2).
   *
   * @param message What is wrong with the command line.
   * @param options A hint and cause.
   */
  constructor(message: string, options: AirlockErrorOptions = {}) {
    super(message, EXIT_USAGE, options);
    this.name = "UsageError";
  }
}

/** A profile cannot be found, parsed or validated (exit 125). */
export class ProfileError extends AirlockError {
  /**
   * Creates a profile error (exit 125).
   *
   * @param message What is wrong, naming the profile, key and value.
   * @param options A hint and cause.
   */
  constructor(message: string, options: AirlockErrorOptions = {}) {
    super(message, EXIT_AIRLOCK_FAILED, options);
    this.name = "ProfileError";
  }
}

/** The kernel lacks a sandbox feature the policy needs (exit 125). */
export class SandboxUnavailableError extends AirlockError {
  /**
   * Creates a sandbox-unavailable error (exit 125).
   *
   * @param message The missing feature and what the kernel has.
   * @param options A hint and cause.
   */
  constructor(message: string, options: AirlockErrorOptions = {}) {
    super(message, EXIT_AIRLOCK_FAILED, options);
    this.name = "SandboxUnavailableError";
  }
}

/** Applying the sandbox failed (exit 125). */
export class SandboxSetupError extends AirlockError {
  /**
   * Creates a sandbox set-up error (exit 125).
   *
   * @param message The step that failed.
   * @param options A hint and cause (for example the errno).
   */
  constructor(message: string, options: AirlockErrorOptions = {}) {
    super(message, EXIT_AIRLOCK_FAILED, options);
    this.name = "SandboxSetupError";
  }
}

/** A credential could not be stored, found or resolved (exit 125). */
export class KeystoreError extends AirlockError {
  /**
   * Creates a keystore error (exit 125).
   *
   * @param message What failed, naming the credential (never its value).
   * @param options A hint and cause.
   */
  constructor(message: string, options: AirlockErrorOptions = {}) {
    super(message, EXIT_AIRLOCK_FAILED, options);
    this.name = "KeystoreError";
  }
}

/** The credential proxy could not be configured or started (exit 125). */
export class ProxyError extends AirlockError {
  /**
   * Creates a proxy error (exit 125).
   *
   * @param message What failed.
   * @param options A hint and cause.
   */
  constructor(message: string, options: AirlockErrorOptions = {}) {
    super(message, EXIT_AIRLOCK_FAILED, options);
    this.name = "ProxyError";
  }
}

/**
 * Instruction files did not verify under a `deny` trust policy, or a trust policy,
 * bundle or signing key cannot be used (exit 125).
 */
export class TrustError extends AirlockError {
  /**
   * Creates a trust error (exit 125).
   *
   * @param message What failed, naming the file and the reason.
   * @param options A hint and cause.
   */
  constructor(message: string, options: AirlockErrorOptions = {}) {
    super(message, EXIT_AIRLOCK_FAILED, options);
    this.name = "TrustError";
  }
}

/**
 * A rollback store, snapshot or restore failed. The exit code depends on the case (see
 * `src/rollback/exit_codes.ts`): 1 a snapshot does not verify (corrupt object, root
 * mismatch), 3 unknown snapshot id, 4 store written by a newer airlock, 125 otherwise.
 */
export class RollbackError extends AirlockError {
  /**
   * Creates a rollback error.
   *
   * @param message What failed, naming the snapshot, path or object.
   * @param exitCode The documented exit code (default 125).
   * @param options A hint and cause.
   */
  constructor(message: string, exitCode = EXIT_AIRLOCK_FAILED, options: AirlockErrorOptions = {}) {
    super(message, exitCode, options);
    this.name = "RollbackError";
  }
}

/** The command to run was not found (exit 127). */
export class CommandNotFoundError extends AirlockError {
  /**
   * Creates a command-not-found error (exit 127).
   *
   * @param message Names the command and the PATH searched.
   * @param options A hint and cause.
   */
  constructor(message: string, options: AirlockErrorOptions = {}) {
    super(message, EXIT_NOT_FOUND, options);
    this.name = "CommandNotFoundError";
  }
}

/** The command was found but cannot be executed (exit 126). */
export class CommandNotExecutableError extends AirlockError {
  /**
   * Creates a command-not-executable error (exit 126).
   *
   * @param message Names the command and why.
   * @param options A hint and cause.
   */
  constructor(message: string, options: AirlockErrorOptions = {}) {
    super(message, EXIT_NOT_EXECUTABLE, options);
    this.name = "CommandNotExecutableError";
  }
}

/**
 * The exit code for any thrown value: an {@linkcode AirlockError}'s own code, else 125.
 *
 * @param err The thrown value.
 * @returns The process exit code to use.
 * @example
 * ```ts
 * import { exitCodeFor, UsageError } from "./errors.ts";
 * console.assert(exitCodeFor(new UsageError("Cannot run: no command given")) === 2);
 * console.assert(exitCodeFor(new Error("boom")) === 125);
 * ```
 */
export function exitCodeFor(err: unknown): number {
  return isAirlockError(err) ? err.exitCode : EXIT_AIRLOCK_FAILED;
}

/**
 * Formats an error for stderr: `airlock: <message>` and, when known, `  hint: <hint>`.
 * Unknown errors show only their message, never a stack trace.
 *
 * @param err The thrown value.
 * @returns One or two lines, without a trailing newline.
 * @example
 * ```ts
 * import { formatError, UsageError } from "./errors.ts";
 * const text = formatError(new UsageError("Cannot run: no command given", { hint: "add -- CMD" }));
 * console.assert(text === "airlock: Cannot run: no command given\n  hint: add -- CMD");
 * ```
 */
export function formatError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  // A message may carry what a client, an upstream or a file name held: terminal-safe.
  const firstLine = terminalSafe(message.split("\n")[0] ?? "");
  const hint = isAirlockError(err) && err.hint ? `\n  hint: ${terminalSafe(err.hint)}` : "";
  return `airlock: ${firstLine}${hint}`;
}
