/**
 * Environment filter benchmark: `filterEnv()` (allowlist, credential-name and value-shape
 * checks) on a realistic developer environment of 60 variables — a long PATH, LS_COLORS,
 * toolchain roots, a few secrets — against copying the same environment (`{ ...env }`,
 * the least any filter must do), both measured in this one invocation.
 *
 * Usage: `deno run -A bench/env_filter_bench.ts [--runs N] [--json]`
 *
 * @module
 */

import { parseArgs } from "node:util";
import { filterEnv } from "../src/policy/env_filter.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    runs: { type: "string", default: "20000" },
    json: { type: "boolean", default: false },
  },
});
const runs = Math.max(1000, Number(values.runs) || 20000);

const env: Record<string, string> = {
  PATH: Array.from({ length: 24 }, (_, i) => `/home/me/.local/tool${i}/bin`).join(":") +
    ":/usr/local/bin:/usr/bin:/bin",
  LS_COLORS: "rs=0:di=01;34:ln=01;36:mh=00:pi=40;33:so=01;35:do=01;35:bd=40;33;01:".repeat(20),
  HOME: "/home/me",
  USER: "me",
  SHELL: "/bin/zsh",
  LANG: "en_US.UTF-8",
  TERM: "xterm-256color",
  JAVA_HOME: "/usr/lib/jvm/java-17",
  CARGO_HOME: "/home/me/.cargo",
  GOPATH: "/home/me/go",
  OPENAI_API_KEY: `sk-proj-${"a1B2c3D4e5".repeat(10)}`,
  GITHUB_TOKEN: `ghp_${"a1B2c3D4e5".repeat(4).slice(0, 36)}`,
  DATABASE_URL: "postgres://app:pw@db:5432/app",
  SSH_AUTH_SOCK: "/tmp/ssh-abc/agent.123",
};
for (let i = 0; Object.keys(env).length < 60; i++) env[`TOOL_SETTING_${i}`] = `value-${i}`;
const rules = { allow: ["CLAUDE_CODE_*", "DISABLE_*"], deny: [], set: { CLAUDE_CONFIG_DIR: "/x" } };

function measure(fn: () => unknown): number {
  for (let i = 0; i < 1000; i++) fn(); // warm-up
  const samples: number[] = [];
  for (let round = 0; round < 9; round++) {
    const t0 = performance.now();
    for (let i = 0; i < runs / 9; i++) fn();
    samples.push(((performance.now() - t0) * 1000) / (runs / 9));
  }
  return samples.sort((a, b) => a - b)[4]!;
}

const copy = measure(() => ({ ...env }));
const filter = measure(() => filterEnv(env, rules));
const explain = measure(() => filterEnv(env, { ...rules, explain: true }));
const result = {
  variables: Object.keys(env).length,
  copyMicros: copy,
  filterMicros: filter,
  explainMicros: explain,
  filterVsCopy: filter / copy,
};
if (values.json) console.log(JSON.stringify(result, null, 2));
else {
  console.log(`${result.variables} variables, median of 9 rounds of ${runs / 9 | 0} calls`);
  console.log(`  copy { ...env }          ${copy.toFixed(2)} µs`);
  console.log(
    `  filterEnv()              ${filter.toFixed(2)} µs (${
      result.filterVsCopy.toFixed(1)
    }× the copy)`,
  );
  console.log(`  filterEnv() explained    ${explain.toFixed(2)} µs`);
}
