/**
 * `airlock why --path P [--op read|write]` and `airlock why --port N [--bind]`: resolve the
 * policy under the same flags as `run` and say whether the access is allowed, and by which
 * rule (or why not). Exit 0 when allowed, 1 when denied. `airlock why --env` lists the
 * variables the command would get and those removed, each with its rule (names only,
 * never values); exit 0. There `--env NAME[=VALUE]` also passes or sets NAME, as for `run`.
 *
 * @module
 */

import { type Command, Option } from "commander";
import { resolve } from "node:path";
import { UsageError } from "../errors.ts";
import { terminalSafe } from "../audit/terminal_safe.ts";
import { resolvePolicy } from "../policy/mod.ts";
import { type EnvAnswer, whyEnv, whyPath, whyPort } from "../policy/why.ts";
import type { WhyAnswer } from "../policy/why.ts";
import type { Access, Policy } from "../policy/types.ts";
import { expandPath, isWithin, pathVars } from "../policy/paths.ts";
import { protectedPaths } from "../policy/protected.ts";
import { setExitStatus } from "./mod.ts";
import { POLICY_FLAGS } from "./flag_table.ts";
import {
  addFlags,
  parsePort,
  type PolicyFlagValues,
  policyRequestFromFlags,
} from "./policy_flags.ts";

/** Options of `why` beyond the policy flags. */
interface WhyFlagValues extends PolicyFlagValues {
  path?: string;
  op?: Access;
  port?: string;
  bind?: boolean;
  json?: boolean;
}

/**
 * Resolves symlinks in the longest existing prefix of `path`, so the answer matches what
 * the kernel sees.
 *
 * @param path An absolute path.
 * @returns The path with its existing part made real.
 */
export async function realPrefix(path: string): Promise<string> {
  const parts = path.split("/").filter(Boolean);
  for (let i = parts.length; i >= 0; i--) {
    const head = "/" + parts.slice(0, i).join("/");
    try {
      const real = await Deno.realPath(head);
      const rest = parts.slice(i).join("/");
      return rest ? `${real === "/" ? "" : real}/${rest}` : real;
    } catch {
      continue;
    }
  }
  return path;
}

/**
 * Adds to a denial that the path is protected, when it is.
 *
 * @param answer The answer from `whyPath()`.
 * @param path The path asked about.
 * @param env airlock's environment (for `HOME`).
 * @param policy The policy (its bypass list and cwd).
 * @returns The answer, its reason extended for a protected path.
 */
async function noteProtected(
  answer: WhyAnswer,
  path: string,
  env: Record<string, string>,
  policy: Policy,
): Promise<WhyAnswer> {
  if (answer.allowed) return answer;
  const list = await protectedPaths(pathVars(env, policy.cwd));
  const hit = list.find((p) =>
    [p.path, p.real].some((f) => f !== null && isWithin(path, f)) &&
    !policy.bypassProtection.some((b) => isWithin(p.path, b))
  );
  if (hit === undefined) return answer;
  return {
    ...answer,
    reason:
      `${answer.reason}; ${hit.path} is protected (${hit.group}): grants reaching it are refused unless --bypass-protection ${hit.path} is given`,
  };
}

/**
 * The text answer to `why --env`: one line per variable, passed first.
 *
 * @param answer The answer from `whyEnv()`.
 * @returns Lines of text (no trailing newline).
 * @example
 * ```ts
 * import { formatEnvAnswer } from "./why.ts";
 * const text = formatEnvAnswer({ passed: [{ name: "PATH", reason: "allowlist" }], removed: [] });
 * console.assert(text.includes("PATH") && text.includes("allowlist"));
 * ```
 */
export function formatEnvAnswer(answer: EnvAnswer): string {
  const width = Math.max(16, ...[...answer.passed, ...answer.removed].map((e) => e.name.length));
  const rows = (entries: EnvAnswer["passed"]) =>
    entries.map((e) => `  ${e.name.padEnd(width)}  ${e.reason}`);
  const lines = [
    `passed (${answer.passed.length}):`,
    ...rows(answer.passed),
    `removed (${answer.removed.length}):`,
    ...rows(answer.removed),
  ];
  if (answer.removed.length > 0) {
    lines.push(
      "pass a variable with --env NAME; with --env-secret NAME when its value looks like a credential",
    );
  }
  return lines.join("\n");
}

/** `--env` in `why`: a bare `--env` asks about the environment (an empty value, dropped later). */
function collectEnv(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Registers `airlock why`.
 *
 * @param program The root program.
 */
export function register(program: Command): void {
  addFlags(
    program.command("why")
      .description(
        "explain whether the policy allows reading/writing a path or using a port, or what environment the command gets",
      )
      .usage("[flags] (--path PATH [--op read|write] | --port N [--bind] | --env [NAME[=VALUE]])"),
    POLICY_FLAGS.filter((spec) => spec.long !== "env"),
  )
    .addOption(
      new Option(
        "--env [name[=value]]",
        "list the variables the command gets and those removed, with reasons; with NAME, also pass or set it as run --env does (repeatable)",
      ).preset("").argParser(collectEnv),
    )
    .option("--path <path>", "the path to ask about")
    .addOption(
      new Option("--op <op>", "the access to ask about").choices(["read", "write"]).default("read"),
    )
    .option("--port <port>", "the TCP port to ask about")
    .option("--bind", "with --port: ask about listening instead of connecting")
    .option("--json", "print JSON")
    .action(async (values: WhyFlagValues) => {
      const questions = [values.path, values.port, values.env].filter((q) => q !== undefined);
      if (questions.length !== 1) {
        throw new UsageError("Cannot answer why: give exactly one of --path, --port and --env", {
          hint: "for example airlock why --path ~/.ssh/id_ed25519",
        });
      }
      const port = values.port === undefined ? undefined : parsePort("--port", values.port);
      const env = values.env?.filter((v) => v !== "");
      const req = {
        ...policyRequestFromFlags({ ...values, env: env ?? [] }),
        createDirs: false,
        explainEnv: env !== undefined,
      };
      const policy = await resolvePolicy(req);
      if (env !== undefined) {
        const answer = whyEnv(policy);
        console.log(
          values.json
            ? JSON.stringify({ profile: policy.profile, ...answer }, null, 2)
            : formatEnvAnswer(answer),
        );
        setExitStatus(0);
        return;
      }
      let answer: WhyAnswer;
      if (port !== undefined) {
        answer = whyPort(policy, port, { bind: values.bind ?? false });
      } else {
        const asked = expandPath(values.path ?? ".", pathVars(req.env, resolve(req.cwd)));
        const path = await realPrefix(asked);
        answer = await noteProtected(
          whyPath(policy, path, values.op ?? "read"),
          path,
          req.env,
          policy,
        );
      }
      if (values.json) {
        console.log(JSON.stringify({ profile: policy.profile, ...answer }, null, 2));
      } else {
        // Paths come from the file system, which the sandboxed command may have named.
        console.log(`${answer.allowed ? "allowed" : "denied"}: ${terminalSafe(answer.question)}`);
        console.log(`  ${answer.allowed ? "by" : "because"} ${terminalSafe(answer.reason)}`);
      }
      setExitStatus(answer.allowed ? 0 : 1);
    });
}
