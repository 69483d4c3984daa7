/**
 * `airlock doctor`: can the sandbox work here? Reports each layer — the kernel's Landlock
 * ABI and features, seccomp, each namespace kind tried for real, a confined `/bin/true`
 * — the keystore, and whether each built-in profile can be enforced as written (without
 * `--best-effort`). Exits 1 when the sandbox cannot work here.
 *
 * @module
 */

import type { Command } from "commander";
import { setExitStatus } from "./mod.ts";
import { policyRequestFromFlags } from "./policy_flags.ts";
import { lazyImport } from "../lazy_import.ts";

/** One line of the report. */
export interface DoctorCheck {
  /** What was checked (`landlock`, `seccomp`, `keystore`, `profile claude-code`). */
  name: string;
  /** Whether it works. */
  ok: boolean;
  /** Whether a failure makes the sandbox unusable (the exit status follows these only). */
  essential: boolean;
  /** What was found, one line. */
  detail: string;
}

/**
 * Registers `airlock doctor`.
 *
 * @param program The root program.
 */
export function register(program: Command): void {
  program.command("doctor")
    .description("report whether the sandbox, seccomp, the keystore and each profile work here")
    .option("--json", "print the report as JSON")
    .action(async (values: { json?: boolean }) => {
      const checks = await runDoctor();
      const healthy = checks.every((c) => c.ok || !c.essential);
      if (values.json) {
        console.log(JSON.stringify({ ok: healthy, checks }, null, 2));
      } else {
        for (const c of checks) {
          const mark = c.ok ? "ok  " : c.essential ? "FAIL" : "warn";
          console.log(`${mark}  ${c.name.padEnd(20)} ${c.detail}`);
        }
        console.log(
          healthy ? "airlock can confine commands here" : "airlock cannot confine commands here",
        );
      }
      setExitStatus(healthy ? 0 : 1);
    });
}

/**
 * Runs every check.
 *
 * Requires `--allow-ffi`, `--allow-read`, `--allow-env` (and `--allow-run` for nothing).
 *
 * @returns The checks, sandbox first.
 */
export async function runDoctor(): Promise<DoctorCheck[]> {
  const { getSandbox } = await lazyImport<typeof import("../sandbox/mod.ts")>(
    "../sandbox/mod.ts",
    import.meta.url,
  );
  const { BUILTIN_PROFILES, resolvePolicy } = await lazyImport<typeof import("../policy/mod.ts")>(
    "../policy/mod.ts",
    import.meta.url,
  );
  const sandbox = getSandbox();
  // Every layer is essential: a missing one fails closed unless --best-effort.
  const checks: DoctorCheck[] = (await sandbox.diagnose()).map((layer) => ({
    ...layer,
    essential: true,
  }));
  checks.push(await keystoreCheck());
  const base = policyRequestFromFlags({});
  for (const name of BUILTIN_PROFILES) {
    try {
      const policy = await resolvePolicy({ ...base, profile: name, createDirs: false });
      const report = sandbox.check(policy, { argv: ["true"] });
      checks.push({
        name: `profile ${name}`,
        ok: true,
        essential: name === "default",
        detail: `enforceable: ${report.enforced.join(", ")}`,
      });
    } catch (err) {
      checks.push({
        name: `profile ${name}`,
        ok: false,
        // `airlock run` without --profile fails closed when the default cannot be enforced.
        essential: name === "default",
        detail: err instanceof Error ? err.message : String(err),
      });
    }
  }
  return checks;
}

async function keystoreCheck(): Promise<DoctorCheck> {
  try {
    const { keystoreStatus } = await lazyImport<typeof import("../keystore/mod.ts")>(
      "../keystore/mod.ts",
      import.meta.url,
    );
    const status = await keystoreStatus();
    return {
      name: `keystore`,
      ok: status.ok,
      essential: false,
      detail: `${status.backend}: ${status.detail}`,
    };
  } catch (err) {
    return {
      name: "keystore",
      ok: false,
      essential: false,
      detail: err instanceof Error ? err.message : String(err),
    };
  }
}
