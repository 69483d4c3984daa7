/**
 * `cmd:` credentials: run a credential helper (`op read …`, `pass show …`,
 * `gh auth token`) without a shell, with a timeout; its standard output, minus one
 * trailing newline, is the secret. Its standard error passes through to airlock's;
 * its standard input is empty. Errors name the program, never its output.
 *
 * Requires `--allow-run`.
 *
 * @module
 */

import { KeystoreError } from "../errors.ts";
import { ByteBuffer, MAX_SECRET_BYTES } from "./byte_buffer.ts";
import type { SecretBytes } from "./secret_bytes.ts";

/** Default time a helper may take, in milliseconds. */
export const DEFAULT_HELPER_TIMEOUT_MS = 10_000;

/** Options of {@linkcode runCredentialHelper}. */
export interface HelperOptions {
  /**
   * Milliseconds before the helper is killed (SIGKILL).
   * @default {10000}
   */
  timeoutMs?: number;
  /** How to name the credential in errors, e.g. `cmd:op …`. */
  label?: string;
}

/**
 * Runs `argv` and returns its standard output as a secret.
 *
 * @param argv The program and its arguments (no shell, no expansion).
 * @param options Timeout and label.
 * @returns The secret (the caller wipes it).
 * @throws {KeystoreError} When the program is missing or not executable, exits non-zero,
 * is killed by a signal, times out, prints nothing, or prints more than 1 MiB.
 * @example
 * ```ts
 * import { runCredentialHelper } from "./helper_source.ts";
 * using secret = await runCredentialHelper(["printf", "abc\\n"]);
 * console.assert(secret.length === 3);
 * ```
 */
export async function runCredentialHelper(
  argv: readonly [string, ...string[]],
  options: HelperOptions = {},
): Promise<SecretBytes> {
  const [program, ...args] = argv;
  const label = options.label ?? `cmd:${program}`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS;
  const fail = (state: string, hint: string, cause?: unknown) =>
    new KeystoreError(`Cannot resolve credential "${label}": ${state}`, { hint, cause });

  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(program, { args, stdin: "null", stdout: "piped", stderr: "inherit" })
      .spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw fail(
        `the helper "${program}" was not found`,
        "Install it, or give its absolute path",
        error,
      );
    }
    throw fail(
      `the helper "${program}" cannot be executed`,
      "Check that it is an executable file",
      error,
    );
  }

  using buffer = new ByteBuffer();
  let timedOut = false;
  let tooLarge = false;
  const reader = child.stdout.getReader();
  const timer = setTimeout(() => {
    timedOut = true;
    killQuietly(child);
    reader.cancel().catch(() => {});
  }, timeoutMs);
  try {
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (done || value === undefined) break;
      buffer.push(value);
      value.fill(0);
      if (buffer.length > MAX_SECRET_BYTES) {
        tooLarge = true;
        killQuietly(child);
        await reader.cancel().catch(() => {});
        break;
      }
    }
    const status = await child.status;
    if (timedOut) {
      throw fail(
        `the helper "${program}" did not finish within ${formatSeconds(timeoutMs)}`,
        "Check that it does not wait for input, or raise the helper timeout",
      );
    }
    if (tooLarge) {
      throw fail(`the helper "${program}" printed more than 1 MiB`, "Print only the secret");
    }
    if (status.signal !== null) {
      throw fail(
        `the helper "${program}" was killed by ${status.signal}`,
        "Run the command yourself to see why",
      );
    }
    if (status.code !== 0) {
      throw fail(
        `the helper "${program}" exited with status ${status.code}`,
        "Run the command yourself to see its error",
      );
    }
  } finally {
    clearTimeout(timer);
  }
  const secret = buffer.take({ trimNewline: true });
  if (secret.length === 0) {
    secret.wipe();
    throw fail(
      `the helper "${program}" printed nothing`,
      "Run the command yourself and check its output",
    );
  }
  return secret;
}

function killQuietly(child: Deno.ChildProcess): void {
  try {
    child.kill("SIGKILL");
  } catch {
    // already exited
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
