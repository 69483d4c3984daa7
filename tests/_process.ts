/**
 * Test helper: runs a program to completion, optionally feeding its stdin, and collects
 * its exit status and output. The CLI, sandbox and keystore helpers all start processes
 * through this one function.
 *
 * @module
 */

/** A finished process. */
export interface ProcessResult {
  /** Exit code (128+N when signal N killed it). */
  code: number;
  /** Signal that killed it, if any. */
  signal: Deno.Signal | null;
  /** Standard output, decoded. */
  stdout: string;
  /** Standard error, decoded. */
  stderr: string;
  /** Standard output, raw (to scan for secret bytes). */
  stdoutBytes: Uint8Array;
  /** Standard error, raw. */
  stderrBytes: Uint8Array;
}

/** Options of {@linkcode runProcess}. */
export interface ProcessOptions {
  /** Working directory (default: the test's). */
  cwd?: string;
  /** Variables added to (or, with `clearEnv`, forming) the environment. */
  env?: Record<string, string>;
  /** Start from an empty environment instead of the test's. */
  clearEnv?: boolean;
  /** Bytes for standard input (default: none, stdin is /dev/null). */
  stdin?: string | Uint8Array;
}

/**
 * Runs a program to completion.
 *
 * @param program The executable.
 * @param args Its arguments.
 * @param options Directory, environment, input.
 * @returns Exit status and output.
 */
export async function runProcess(
  program: string,
  args: string[],
  options: ProcessOptions = {},
): Promise<ProcessResult> {
  const child = new Deno.Command(program, {
    args,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    env: options.env ?? {},
    clearEnv: options.clearEnv ?? false,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(
      typeof options.stdin === "string" ? new TextEncoder().encode(options.stdin) : options.stdin,
    );
    await writer.close();
  }
  const out = await child.output();
  const decoder = new TextDecoder();
  return {
    code: out.code,
    signal: out.signal,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
    stdoutBytes: out.stdout,
    stderrBytes: out.stderr,
  };
}
