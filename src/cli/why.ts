/**
 * `airlock why --path P [--op read|write]` and `airlock why --port N [--bind]`: resolve the
 * policy under the same flags as `run` and say whether the access is allowed, and by which
 * rule (or why not). Exit 0 when allowed, 1 when denied.
 *
 * @module
 */

import { type Command, Option } from "commander";
import { resolve } from "node:path";
import { UsageError } from "../errors.ts";
import { resolvePolicy } from "../policy/mod.ts";
import { whyPath, whyPort } from "../policy/why.ts";
import type { WhyAnswer } from "../policy/why.ts";
import type { Access } from "../policy/types.ts";
import { setExitStatus } from "./mod.ts";
import {
  addPolicyFlags,
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
 * Registers `airlock why`.
 *
 * @param program The root program.
 */
export function register(program: Command): void {
  addPolicyFlags(
    program.command("why")
      .description("explain whether the policy allows reading/writing a path or using a port")
      .usage("[flags] (--path PATH [--op read|write] | --port N [--bind])"),
  )
    .option("--path <path>", "the path to ask about")
    .addOption(
      new Option("--op <op>", "the access to ask about").choices(["read", "write"]).default("read"),
    )
    .option("--port <port>", "the TCP port to ask about")
    .option("--bind", "with --port: ask about listening instead of connecting")
    .option("--json", "print JSON")
    .action(async (values: WhyFlagValues) => {
      if ((values.path === undefined) === (values.port === undefined)) {
        throw new UsageError("Cannot answer why: give exactly one of --path and --port", {
          hint: "for example airlock why --path ~/.ssh/id_ed25519",
        });
      }
      const port = values.port === undefined ? undefined : parsePort("--port", values.port);
      const req = policyRequestFromFlags(values);
      const policy = await resolvePolicy(req);
      let answer: WhyAnswer;
      if (port !== undefined) {
        answer = whyPort(policy, port, { bind: values.bind ?? false });
      } else {
        const path = await realPrefix(resolve(req.cwd, values.path ?? "."));
        answer = whyPath(policy, path, values.op ?? "read");
      }
      if (values.json) {
        console.log(JSON.stringify({ profile: policy.profile, ...answer }, null, 2));
      } else {
        console.log(`${answer.allowed ? "allowed" : "denied"}: ${answer.question}`);
        console.log(`  ${answer.allowed ? "by" : "because"} ${answer.reason}`);
      }
      setExitStatus(answer.allowed ? 0 : 1);
    });
}
