/**
 * The trust step of `airlock run`, loaded only when there is something to verify: load
 * the policies, scan, verify every file, decide by enforcement, print, record — and, once
 * the command has exited, re-verify what was verified and report every instruction file
 * that changed, disappeared or appeared during the session.
 *
 * - `deny`: any file that does not verify → one line per file, an audit record, and a
 *   {@linkcode TrustError} (exit 125): the command never starts.
 * - `warn`: the lines, the record, then the run.
 * - `audit`: the record only (plus, when no policy exists at all, one summary line
 *   saying how to start).
 * - A blocklisted file denies in every mode.
 *
 * @module
 */

import { TrustError } from "../errors.ts";
import { type AuditedFile, recordTrust, type TrustAuditRecord } from "./audit_log.ts";
import { sha256Hex } from "./digest.ts";
import { loadTrustPolicy } from "./policy_load.ts";
import { type FoundFile, scanTree } from "./scanner.ts";
import { type FileVerdict, TrustVerifier } from "./verifier.ts";
import { SignatureMemo } from "./signature_memo.ts";
import type { EffectiveTrustPolicy } from "./policy_types.ts";

/**
 * What the launch needs from a trust step that found files to protect.
 *
 * Under `deny` the files' verification may still be running when the sandbox is built:
 * the run goes ahead only if every file verifies, so the files to bind read-only are
 * known from the scan, and the signature checks overlap the helper's mounts. The
 * command must not start before {@linkcode TrustLaunch.settle} resolves.
 */
export interface TrustLaunch {
  /** Absolute paths of the files to bind read-only for the session. */
  readOnlyPaths: string[];
  /**
   * Finishes the verification (prints, records and decides); a no-op when it is done.
   *
   * @throws {TrustError} When the policy denies the run (exit 125).
   */
  settle(): Promise<void>;
  /**
   * Re-verifies at exit; reports and records every change. Never throws.
   *
   * @param status The command's exit status.
   * @returns The same status.
   */
  afterExit(status: number): Promise<number>;
}

/** The run being checked. */
export interface TrustRun {
  /** The scanned root (the workdir, else the current directory). */
  root: string;
  /** The command (only argv[0] is recorded). */
  argv: string[];
  /** The environment (`HOME`, `XDG_CONFIG_HOME`). */
  env: Record<string, string | undefined>;
}

/**
 * One line for a file that did not verify.
 *
 * @param verdict The verdict.
 * @returns `airlock: trust: NAME: STATUS: REASON`.
 */
export function verdictLine(verdict: FileVerdict): string {
  return `airlock: trust: ${verdict.name}: ${verdict.status}: ${verdict.reason}`;
}

/**
 * Scans and verifies before the launch.
 *
 * Requires `--allow-read` (policies, the tree) and `--allow-write` (the audit file).
 *
 * @param run The run.
 * @returns What the launch needs when there are files to protect (under `deny`, every file
 *   found, verified by `settle()`; otherwise the files that verified); null when none.
 * @throws {TrustError} When the policy denies the run (under `deny`, from `settle()`), or
 *   a policy is invalid.
 */
export async function trustBeforeLaunch(run: TrustRun): Promise<TrustLaunch | null> {
  const policy = loadTrustPolicy(run.root, run.env);
  const stats = { entries: 0, truncated: false };
  const found = scanTree(run.root, {
    includes: policy.includes,
    files: policy.files,
    home: run.env.HOME ?? "",
    stats,
  });
  if (stats.truncated) {
    const what = `the scan of ${run.root} stopped after ${stats.entries} entries`;
    if (policy.enforcement === "deny") {
      throw new TrustError(`Cannot verify instruction files: ${what}, so some may be unchecked`, {
        hint: "run airlock from the project's directory (or pass --workdir DIR)",
      });
    }
    console.error(`airlock: trust: ${what}: instruction files beyond it are not checked`);
  }
  const verify = () => verifyAndDecide(run, policy, found);
  if (policy.enforcement === "deny" && found.length > 0) {
    // Every file must verify for the run to go ahead: protect them all, verify meanwhile.
    let verdicts: FileVerdict[] | null = null;
    return {
      readOnlyPaths: found.map((f) => f.path),
      settle: async () => {
        verdicts ??= await verify();
      },
      afterExit: (status) =>
        Promise.resolve(verdicts ? reverifyAtExit(run, policy, verdicts, status) : status),
    };
  }
  const verdicts = await verify();
  const verified = verdicts.filter((v) => v.status === "verified");
  if (verified.length === 0) return null;
  return {
    readOnlyPaths: verified.map((v) => v.path),
    settle: () => Promise.resolve(),
    afterExit: (status) => Promise.resolve(reverifyAtExit(run, policy, verdicts, status)),
  };
}

/**
 * Verifies every file found, prints and records the outcome, and decides.
 *
 * @param run The run.
 * @param policy The effective policy.
 * @param found The files the scan found.
 * @returns The verdicts, when the run may go ahead.
 * @throws {TrustError} When the policy denies the run.
 */
async function verifyAndDecide(
  run: TrustRun,
  policy: EffectiveTrustPolicy,
  found: FoundFile[],
): Promise<FileVerdict[]> {
  // Keyed signatures this user's launches verified before are not verified again (the
  // memo is in airlock's state directory, out of every sandbox's reach).
  const memo = new SignatureMemo();
  const verifier = new TrustVerifier(policy, { memo });
  // Concurrently: the digests and signature checks run on Deno's worker threads.
  const verdicts = await Promise.all(found.map((file) => verifier.verify(file)));
  memo.save();
  const failed = verdicts.filter((v) => v.status !== "verified");
  const blocked = failed.some((v) => v.status === "blocklisted");
  const decision = blocked || (policy.enforcement === "deny" && failed.length > 0)
    ? "denied"
    : failed.length > 0 && policy.enforcement === "warn"
    ? "warned"
    : "allowed";
  const noPolicy = !policy.userPolicy && policy.projectPolicy === null;
  if (policy.enforcement !== "audit" || decision === "denied") {
    for (const line of policy.warnings) console.error(`airlock: ${line}`);
    for (const v of failed) console.error(verdictLine(v));
  }
  if (noPolicy && found.length > 0) {
    const ok = verdicts.length - failed.length;
    console.error(
      `airlock: trust: ${found.length} instruction file${
        found.length === 1 ? "" : "s"
      } found, ${ok} verified; no trust policy, so nothing is enforced (start with \`airlock trust init\`)`,
    );
  }
  recordTrust(record("launch", run, policy, decision, audited(verdicts)));
  if (decision === "denied") {
    const n = failed.length;
    throw new TrustError(
      blocked
        ? `Cannot start ${
          run.argv[0]
        }: a blocklisted instruction file is present (the blocklist denies in every mode)`
        : `Cannot start ${run.argv[0]}: ${n} instruction file${
          n === 1 ? "" : "s"
        } did not verify under the trust policy (enforcement deny)`,
      {
        hint: "sign them with `airlock trust sign`, review with `airlock trust list`, " +
          "or skip the check once with --trust-override (recorded)",
      },
    );
  }
  return verdicts;
}

/**
 * Records and announces a `--trust-override` run.
 *
 * @param run The run.
 * @throws {Error} When the audit file cannot be written.
 */
export function recordOverride(run: TrustRun): void {
  console.error(
    "airlock: --trust-override: instruction files are NOT verified for this session (recorded)",
  );
  recordTrust({
    time: new Date().toISOString(),
    event: "override",
    workdir: run.root,
    program: run.argv[0] ?? "",
    decision: "skipped",
    files: [],
  });
}

function reverifyAtExit(
  run: TrustRun,
  policy: EffectiveTrustPolicy,
  before: FileVerdict[],
  status: number,
): number {
  try {
    const changes: AuditedFile[] = [];
    for (const v of before) {
      const now = digestOrNull(v.path);
      if (now === v.sha256) continue;
      const what = v.status === "verified" ? "the verified file" : "the file scanned at launch";
      changes.push(
        now === null
          ? {
            name: v.name,
            sha256: null,
            status: "removed",
            reason: "was removed during the session",
          }
          : {
            name: v.name,
            sha256: now,
            status: "changed",
            reason: `changed during the session (it is no longer ${what})`,
          },
      );
    }
    const known = new Set(before.map((v) => v.path));
    const after = scanTree(run.root, {
      includes: policy.includes,
      files: policy.files,
      home: run.env.HOME ?? "",
    });
    for (const file of after) {
      if (known.has(file.path)) continue;
      const sha256 = digestOrNull(file.path);
      changes.push({
        name: file.name,
        sha256,
        status: "created",
        reason: "was created during the session",
      });
    }
    for (const c of changes) console.error(`airlock: trust: ${c.name} ${c.reason}`);
    recordTrust(
      record("exit", run, policy, changes.length > 0 ? "changed" : "unchanged", changes),
    );
  } catch (err) {
    console.error(`airlock: trust: cannot re-verify instruction files at exit: ${String(err)}`);
  }
  return status;
}

/** Synchronous: instruction files are small, and a thread hop per file costs more. */
function digestOrNull(path: string): string | null {
  try {
    return sha256Hex(Deno.readFileSync(path));
  } catch {
    return null;
  }
}

function audited(verdicts: FileVerdict[]): AuditedFile[] {
  return verdicts.map((v) => ({
    name: v.name,
    sha256: v.sha256,
    status: v.status,
    ...(v.reason ? { reason: v.reason } : {}),
    ...(v.publisher ? { publisher: v.publisher } : {}),
  }));
}

function record(
  event: TrustAuditRecord["event"],
  run: TrustRun,
  policy: EffectiveTrustPolicy,
  decision: string,
  files: AuditedFile[],
): TrustAuditRecord {
  return {
    time: new Date().toISOString(),
    event,
    workdir: run.root,
    program: run.argv[0] ?? "",
    enforcement: policy.enforcement,
    decision,
    policy: {
      user: policy.userPolicy,
      project: policy.projectPolicy,
      accepted: policy.projectAccepted,
    },
    files,
    ...(policy.warnings.length > 0 ? { warnings: policy.warnings } : {}),
  };
}
