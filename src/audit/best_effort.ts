/**
 * The best-effort audit trail: every run that went ahead under `--best-effort` with
 * fewer protections than its policy asked for appends one JSON line to
 * `$XDG_STATE_HOME/airlock/best-effort.jsonl`, so a weakened run never goes unrecorded.
 *
 * @module
 */

import type { Policy } from "../policy/types.ts";
import type { EnforcementReport } from "../sandbox/types.ts";
import { stateDir } from "../state_dir.ts";

/** One line of the best-effort audit file. */
export interface BestEffortRecord {
  /** ISO 8601 time of the run. */
  time: string;
  /** The profile used. */
  profile: string;
  /** The program started (argv[0] only: arguments are not recorded). */
  program: string;
  /** The working directory. */
  cwd: string;
  /** What the kernel enforced. */
  enforced: string[];
  /** What was dropped because the kernel lacks it. */
  dropped: string[];
}

/**
 * Path of the best-effort audit file.
 *
 * @param env The environment (for `XDG_STATE_HOME`, `HOME`).
 * @returns The absolute path of `best-effort.jsonl`.
 */
export function bestEffortLogPath(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): string {
  return `${stateDir(env)}/best-effort.jsonl`;
}

/**
 * Appends a record of a best-effort run. Requires `--allow-write` to the state directory.
 *
 * @param policy The policy that was asked for.
 * @param report What is enforced and what was dropped.
 * @param argv The command (only argv[0] is recorded).
 * @returns The record written.
 * @example
 * ```ts ignore
 * await recordBestEffort(policy, { enforced: ["fs"], dropped: ["net.tcp"] }, ["bash"]);
 * ```
 */
export async function recordBestEffort(
  policy: Policy,
  report: EnforcementReport,
  argv: string[],
): Promise<BestEffortRecord> {
  const record: BestEffortRecord = {
    time: new Date().toISOString(),
    profile: policy.profile,
    program: argv[0] ?? "",
    cwd: policy.cwd,
    enforced: report.enforced,
    dropped: report.dropped,
  };
  const path = bestEffortLogPath();
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true, mode: 0o700 });
  // One write of one line with O_APPEND: concurrent runs never interleave within a line.
  await Deno.writeTextFile(path, JSON.stringify(record) + "\n", { append: true, mode: 0o600 });
  return record;
}
