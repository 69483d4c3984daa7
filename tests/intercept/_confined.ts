/**
 * Runs a shell script confined by the real CLI with one credential, pinned upstreams and
 * a test CA, and collects its output and the session's audit records.
 *
 * @module
 */

import { REPO } from "../_cli.ts";

/** Linux only; the CLI's child processes outlive the sanitizers' view. */
export const linuxOnly = {
  ignore: Deno.build.os !== "linux",
  sanitizeResources: false,
  sanitizeOps: false,
};

/** What a confined shell left. */
export interface Confined {
  code: number;
  stdout: string;
  stderr: string;
  audit: Record<string, unknown>[];
}

/** How to run it. */
export interface ConfinedOptions {
  /** The credential (route) name. */
  credential: string;
  /** Its real value (passed as `env:AIRLOCK_TEST_REAL_KEY`). */
  secret: string;
  /** The test CA (`--upstream-ca`, and `$CA_FILE`). */
  caFile: string;
  /** `--resolve` pins. */
  pins: string[];
  /** More flags before `--`. */
  extra?: string[];
  /** More variables for airlock. */
  env?: Record<string, string>;
}

/**
 * Runs `sh -c SCRIPT` confined by the real CLI with one credential.
 *
 * @param script The shell script.
 * @param o The credential, pins and flags.
 * @returns Exit code, output and the session's audit records.
 */
export async function confinedShell(script: string, o: ConfinedOptions): Promise<Confined> {
  const work = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "airlock-ic-" });
  const state = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "airlock-ic-state-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        `${REPO}main.ts`,
        "run",
        "--credential",
        `${o.credential}=env:AIRLOCK_TEST_REAL_KEY`,
        ...o.pins.flatMap((p) => ["--resolve", p]),
        "--upstream-ca",
        o.caFile,
        ...(o.extra ?? []),
        "--",
        "sh",
        "-c",
        script,
      ],
      cwd: work,
      env: { ...o.env, AIRLOCK_TEST_REAL_KEY: o.secret, XDG_STATE_HOME: state, CA_FILE: o.caFile },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const audit: Record<string, unknown>[] = [];
    for await (const s of Deno.readDir(`${state}/airlock/sessions`)) {
      const text = await Deno.readTextFile(`${state}/airlock/sessions/${s.name}/audit.jsonl`);
      for (const line of text.split("\n").filter(Boolean)) audit.push(JSON.parse(line));
    }
    const dec = new TextDecoder();
    return {
      code: out.code,
      stdout: dec.decode(out.stdout),
      stderr: dec.decode(out.stderr),
      audit,
    };
  } finally {
    await Deno.remove(work, { recursive: true });
    await Deno.remove(state, { recursive: true });
  }
}
