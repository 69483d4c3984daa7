/**
 * The environment record of a session: `environment.json` beside the session's
 * `audit.jsonl`, listing the variables the command got and those removed with the rule
 * that removed each — names and reasons only, never a value.
 *
 * @module
 */

import { AirlockError, EXIT_AIRLOCK_FAILED } from "../errors.ts";
import type { EnvPolicy } from "../policy/types.ts";

/** The content of `environment.json`. */
export interface EnvRecord {
  /** Names the command got from airlock's environment or from `env.set`/`--env` (sorted). */
  passed: string[];
  /** Names removed, each with its reason (sorted by name). */
  removed: { name: string; reason: string }[];
  /** Names passed with their value unchecked (`--env-secret`, `env.allow_secrets`). */
  unchecked: string[];
}

/**
 * The record for a filtered environment.
 *
 * @param env The policy's environment.
 * @returns Names and reasons, no value.
 * @example
 * ```ts
 * import { envRecord } from "./env_record.ts";
 * const rec = envRecord({ vars: { PATH: "/bin" }, removed: ["FOO"], set: [], reasons: { FOO: "not on the allowlist" } });
 * console.assert(rec.passed[0] === "PATH" && rec.removed[0]?.reason === "not on the allowlist");
 * ```
 */
export function envRecord(env: EnvPolicy): EnvRecord {
  return {
    passed: Object.keys(env.vars).sort(),
    removed: env.removed.map((name) => ({ name, reason: env.reasons?.[name] ?? "removed" })),
    unchecked: env.unchecked ?? [],
  };
}

/**
 * Writes `environment.json` into a session directory, atomically (temporary file, fsync,
 * rename), mode 0600. Requires `--allow-write` to the state directory.
 *
 * @param sessionDir The session's directory (where `audit.jsonl` is).
 * @param env The policy's environment.
 * @returns The path written.
 * @throws {AirlockError} (exit 125) When the file cannot be written: the run does not go
 *   ahead unrecorded.
 * @example
 * ```ts
 * import { writeEnvRecord } from "./env_record.ts";
 * const dir = await Deno.makeTempDir();
 * const path = writeEnvRecord(dir, { vars: {}, removed: ["X"], set: [], reasons: { X: "env.deny" } });
 * console.assert(JSON.parse(Deno.readTextFileSync(path)).removed[0].name === "X");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function writeEnvRecord(sessionDir: string, env: EnvPolicy): string {
  const path = `${sessionDir}/environment.json`;
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    const file = Deno.openSync(tmp, { write: true, createNew: true, mode: 0o600 });
    try {
      const bytes = new TextEncoder().encode(JSON.stringify(envRecord(env), null, 2) + "\n");
      let off = 0;
      while (off < bytes.length) off += file.writeSync(bytes.subarray(off));
      file.syncSync();
    } finally {
      file.close();
    }
    Deno.renameSync(tmp, path);
    return path;
  } catch (err) {
    try {
      Deno.removeSync(tmp);
    } catch { /* not created */ }
    throw new AirlockError(
      `Cannot record the session's environment in "${path}": ${(err as Error).name}`,
      EXIT_AIRLOCK_FAILED,
      { cause: err, hint: "check that the state directory is writable" },
    );
  }
}
