/**
 * `airlock doctor`: can the sandbox work here? Reports each layer — the kernel's Landlock
 * ABI and features, seccomp, each namespace kind tried for real, a confined `/bin/true`
 * — the keystore, how this airlock was installed (compiled binary and its place on
 * `PATH`, or a source checkout), and whether each built-in profile can be enforced as
 * written (without `--best-effort`). Exits 1 when the sandbox cannot work here.
 *
 * @module
 */

import type { Command } from "commander";
import { setExitStatus } from "./mod.ts";
import { policyRequestFromFlags } from "./policy_flags.ts";
import { lazyImport } from "../lazy_import.ts";
import type { BuildInfo } from "../build_info.ts";

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
  checks.push(await installCheck());
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

/**
 * Where this airlock runs from: a compiled binary (and whether `airlock` on `PATH` is this
 * one) or `deno run` of a source checkout. Never essential.
 *
 * @returns The check.
 */
async function installCheck(): Promise<DoctorCheck> {
  const { buildInfo } = await lazyImport<typeof import("../build_info.ts")>(
    "../build_info.ts",
    import.meta.url,
  );
  return installReport(buildInfo(), Deno.env.get("PATH") ?? "");
}

/**
 * The `install` line of the report.
 *
 * Requires `--allow-read` (looks along `path`).
 *
 * @param info This airlock (`src/build_info.ts`).
 * @param path The `PATH` to look for `airlock` in.
 * @returns The check: warns when a compiled airlock is not the `airlock` on `PATH`.
 * @example
 * ```ts
 * import { installReport } from "./doctor.ts";
 * const check = installReport({
 *   version: "1.0.0", commit: "abc", deno: "2.9.6", target: "x86_64-unknown-linux-gnu",
 *   compiled: true, executable: "/nonexistent/bin/airlock", source: null,
 * }, "/nonexistent/elsewhere");
 * console.assert(!check.ok && check.detail.includes("add /nonexistent/bin to PATH"));
 * ```
 */
export function installReport(info: BuildInfo, path: string): DoctorCheck {
  if (!info.compiled) {
    return {
      name: "install",
      ok: true,
      essential: false,
      detail: `deno run of ${info.source} (deno ${info.deno} at ${info.executable})`,
    };
  }
  const here = realPath(info.executable);
  const detail = `compiled binary ${info.version} (${info.commit}, ${info.target}) at ${here}`;
  const onPath = whichAirlock(path);
  if (onPath === null) {
    return {
      name: "install",
      ok: false,
      essential: false,
      detail: `${detail}; no airlock on PATH (add ${dirname(here)} to PATH)`,
    };
  }
  const same = realPath(onPath) === here;
  return {
    name: "install",
    ok: same,
    essential: false,
    detail: same ? `${detail}, on PATH` : `${detail}; the airlock on PATH is another: ${onPath}`,
  };
}

function dirname(path: string): string {
  return path.slice(0, Math.max(1, path.lastIndexOf("/")));
}

function realPath(path: string): string {
  try {
    return Deno.realPathSync(path);
  } catch {
    return path;
  }
}

function whichAirlock(path: string): string | null {
  for (const dir of path.split(":")) {
    if (!dir.startsWith("/")) continue;
    const candidate = `${dir.replace(/\/+$/, "")}/airlock`;
    try {
      const info = Deno.statSync(candidate);
      if (info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0) return candidate;
    } catch { /* not here */ }
  }
  return null;
}
