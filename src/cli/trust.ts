/**
 * `airlock trust keygen | export-key | sign | verify | list | init | accept | block |
 * schema`: sign instruction files, check them the way `airlock run` does, and manage the
 * user trust policy. Verification reads the same policies (`src/trust/policy_load.ts`)
 * and gives the same one-line reasons as the launch.
 *
 * @module
 */

import type { Command } from "commander";
import { TrustError, UsageError } from "../errors.ts";
import { isSha256Hex, sha256Hex } from "../trust/digest.ts";
import { fileKind } from "../trust/default_includes.ts";
import { loadTrustPolicy, readTrustPolicy } from "../trust/policy_load.ts";
import { trustPolicyPaths } from "../trust/policy_paths.ts";
import { type FoundFile, scanTree, statementName } from "../trust/scanner.ts";
import { type FileVerdict, TrustVerifier } from "../trust/verifier.ts";
import { appendToPolicy, policyTemplate } from "../trust/policy_edit.ts";
import { writeFileAtomic } from "../trust/atomic_write.ts";
import { listKeyRecords } from "../trust/signing_keys.ts";
import { resolve } from "../policy/posix_path.ts";
import { register as registerKeys } from "./trust_keys.ts";
import { setExitStatus } from "./mod.ts";

/** `--workdir`, shared by the commands that look at a tree. */
interface RootValues {
  workdir?: string;
}

/**
 * Registers `airlock trust` and its subcommands.
 *
 * @param program The root program.
 */
export function register(program: Command): void {
  const trust = program.command("trust")
    .description("sign and verify instruction files (AGENTS.md, CLAUDE.md, …) and manage trust");

  registerKeys(trust);

  trust.command("verify")
    .description("verify instruction files as `airlock run` would (all matching files by default)")
    .argument("[files...]", "files to verify")
    .option("--workdir <dir>", "the tree's root (default: the current directory)")
    .option("--json", "print a JSON report")
    .action(async (files: string[], values: RootValues & { json?: boolean }) => {
      const report = await verifyFiles(files, values);
      printReport(report, values.json ?? false, true);
      if (report.files.some((f) => f.status !== "verified")) setExitStatus(1);
    });

  trust.command("list")
    .description("list each instruction file and its status")
    .option("--workdir <dir>", "the tree's root (default: the current directory)")
    .option("--json", "print a JSON report")
    .action(async (values: RootValues & { json?: boolean }) => {
      printReport(await verifyFiles([], values), values.json ?? false, false);
    });

  trust.command("init")
    .description("write a commented user trust policy (enforcement deny)")
    .option("--force", "replace an existing policy")
    .action((values: { force?: boolean }) => {
      const paths = trustPolicyPaths(Deno.cwd(), Deno.env.toObject());
      if (!values.force && exists(paths.user)) {
        throw new TrustError(`Cannot write trust policy ${paths.user}: it exists`, {
          hint: "edit it, or pass --force to replace it",
        });
      }
      const keys = listKeyRecords();
      Deno.mkdirSync(paths.configDir, { recursive: true, mode: 0o700 });
      writeFileAtomic(paths.user, new TextEncoder().encode(policyTemplate(keys)), 0o600);
      console.log(`Wrote ${paths.user} (enforcement deny, ${keys.length} publisher key(s))`);
    });

  trust.command("accept")
    .description("trust the project's .airlock/trust-policy.json as it is now (pins its SHA-256)")
    .option("--workdir <dir>", "the project (default: the current directory)")
    .action(async (values: RootValues) => {
      const root = rootOf(values);
      const paths = trustPolicyPaths(root, Deno.env.toObject());
      const project = await readTrustPolicy(paths.project);
      if (!project) {
        throw new TrustError(`Cannot accept the project policy: ${paths.project} does not exist`);
      }
      requireUserPolicy(paths.user);
      const added = [
        ...project.publishers.map((p) =>
          `publisher ${p.name} (${
            p.type === "key" ? `key ${p.fingerprint}` : `${p.subject} from ${p.issuer}`
          })`
        ),
        ...project.files.map((f) => `file ${f}`),
      ];
      const changed = await appendToPolicy(paths.user, ["accepted_projects"], {
        sha256: project.sha256,
        path: paths.project,
        accepted_at: new Date().toISOString(),
      });
      for (const line of added) console.log(`  trusts ${line}`);
      console.log(
        `${
          changed ? "Accepted" : "Already accepted"
        } ${paths.project} (sha256 ${project.sha256}); any edit un-accepts it`,
      );
    });

  trust.command("block")
    .description("deny a file's content (or a SHA-256) in every mode")
    .argument("<file-or-sha256>", "a file, or a hex SHA-256")
    .action(async (target: string) => {
      const paths = trustPolicyPaths(Deno.cwd(), Deno.env.toObject());
      requireUserPolicy(paths.user);
      let digest: string;
      if (exists(target)) digest = sha256Hex(await Deno.readFile(target));
      else if (isSha256Hex(target.toLowerCase())) digest = target.toLowerCase();
      else {
        throw new UsageError(
          `Cannot block ${JSON.stringify(target)}: it is neither a file nor a SHA-256`,
          {
            hint: "pass a file path or 64 hex digits",
          },
        );
      }
      const changed = await appendToPolicy(paths.user, ["blocklist", "digests"], digest);
      console.log(`${changed ? "Blocked" : "Already blocked"} sha256 ${digest}`);
    });

  trust.command("schema")
    .description("print the JSON Schema of trust policies")
    .action(async () => {
      const url = new URL("../../policies/trust/schema.json", import.meta.url);
      console.log((await Deno.readTextFile(url)).trimEnd());
    });
}

/** What `verify --json` and `list --json` print. */
export interface TrustReport {
  /** The scanned root. */
  root: string;
  /** The enforcement `airlock run` would apply. */
  enforcement: string;
  /** Which policies apply. */
  policy: { user: boolean; project: string | null; accepted: boolean };
  /** Ignored project settings. */
  warnings: string[];
  /** Each file's verdict. */
  files: FileVerdict[];
}

/**
 * Verifies the given files, or every matching file under the root.
 *
 * @param files Paths (relative to the current directory) or none for a scan.
 * @param values `--workdir`.
 * @returns The report.
 * @throws {TrustError} When a policy is invalid.
 */
export async function verifyFiles(files: string[], values: RootValues): Promise<TrustReport> {
  const root = rootOf(values);
  const env = Deno.env.toObject();
  const policy = await loadTrustPolicy(root, env);
  const home = env.HOME ?? "";
  const stats = { entries: 0, truncated: false };
  const found: FoundFile[] = files.length > 0
    ? files.map((f) => {
      const path = resolve(Deno.cwd(), f);
      const name = statementName(path, root, home);
      return { path, name, kind: fileKind(name) };
    })
    : scanTree(root, { includes: policy.includes, files: policy.files, home, stats });
  if (stats.truncated) {
    policy.warnings.push(`trust: the scan of ${root} stopped after ${stats.entries} entries`);
  }
  const verifier = new TrustVerifier(policy);
  const verdicts: FileVerdict[] = [];
  for (const file of found) verdicts.push(await verifier.verify(file));
  return {
    root,
    enforcement: policy.enforcement,
    policy: {
      user: policy.userPolicy,
      project: policy.projectPolicy,
      accepted: policy.projectAccepted,
    },
    warnings: policy.warnings,
    files: verdicts,
  };
}

function printReport(report: TrustReport, json: boolean, failuresToStderr: boolean): void {
  if (json) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  for (const w of report.warnings) console.error(`airlock: ${w}`);
  if (report.files.length === 0) console.log(`No instruction files under ${report.root}`);
  const width = Math.min(48, Math.max(0, ...report.files.map((f) => f.name.length)));
  for (const f of report.files) {
    const detail = f.status === "verified" ? `by ${f.publisher}` : f.reason;
    const line = `${f.status.padEnd(17)} ${f.name.padEnd(width)}  ${detail}`;
    if (failuresToStderr && f.status !== "verified") console.error(line);
    else console.log(line);
  }
  if (!report.policy.user && report.policy.project === null) {
    console.error(
      "airlock: trust: no trust policy: `airlock run` only records (start with `airlock trust init`)",
    );
  }
}

function rootOf(values: RootValues): string {
  const root = resolve(Deno.cwd(), values.workdir ?? ".");
  try {
    return Deno.realPathSync(root);
  } catch {
    throw new UsageError(`Cannot use --workdir ${root}: it does not exist`);
  }
}

function requireUserPolicy(path: string): void {
  if (!exists(path)) {
    throw new TrustError(`Cannot edit trust policy ${path}: it does not exist`, {
      hint: "create it with `airlock trust init`",
    });
  }
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
