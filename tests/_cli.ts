/**
 * Test helper: runs the real `airlock` CLI (`deno run -A main.ts …`) in a subprocess.
 *
 * @module
 */

/** The repository root (absolute, with a trailing slash). */
export const REPO = new URL("..", import.meta.url).pathname;

/** The result of one CLI run. */
export interface CliResult {
  /** Exit code. */
  code: number;
  /** Signal that killed the process, if any. */
  signal: Deno.Signal | null;
  /** Standard output, decoded. */
  stdout: string;
  /** Standard error, decoded. */
  stderr: string;
}

/** Options for {@linkcode runCli}. */
export interface RunCliOptions {
  /** Working directory (default: a fresh temp dir is NOT created; the caller's cwd). */
  cwd?: string;
  /** Extra or overriding environment variables. */
  env?: Record<string, string>;
  /** Run with exactly this environment (no inheritance). */
  clearEnv?: boolean;
  /** Bytes for standard input (default: none). */
  stdin?: string;
}

/**
 * Runs `airlock ARGS…` and collects its output.
 *
 * @param args The CLI arguments.
 * @param options Working directory, environment, stdin.
 * @returns Exit code, signal and output.
 */
export async function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${REPO}main.ts`, ...args],
    cwd: options.cwd ?? REPO,
    env: options.env ?? {},
    clearEnv: options.clearEnv ?? false,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    signal: out.signal,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
  };
}
