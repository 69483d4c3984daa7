import { equal } from "node:assert/strict";
import { resolvePolicy } from "../../src/policy/mod.ts";
import { fixture } from "./_helpers.ts";

const GHP = `ghp_${"a1B2c3D4e5".repeat(4).slice(0, 36)}`;

/** [profile, variable, value, passes]: what each agent profile lets its agent see. */
const CASES: [string, string, string, boolean][] = [
  ["claude-code", "CLAUDE_CODE_USE_BEDROCK", "1", true],
  ["claude-code", "CLAUDE_CODE_MAX_OUTPUT_TOKENS", "8192", true],
  ["claude-code", "ANTHROPIC_MODEL", "claude-sonnet-4-5", true],
  ["claude-code", "ANTHROPIC_DEFAULT_HAIKU_MODEL", "claude-haiku-4-5", true],
  ["claude-code", "DISABLE_AUTOUPDATER", "1", true],
  ["claude-code", "MAX_THINKING_TOKENS", "10000", true],
  ["claude-code", "CLAUDE_CODE_OAUTH_TOKEN", "sk-ant-oat01-anything", false],
  ["claude-code", "CLAUDE_CODE_CLIENT_KEY_PASSPHRASE", "hunter2", false],
  ["claude-code", "ANTHROPIC_AUTH_TOKEN", "x", false],
  ["claude-code", "ANTHROPIC_CUSTOM_HEADERS", "x-api-key: k", false],
  ["codex", "CODEX_HOME", "/home/me/.codex", true],
  ["codex", "CODEX_SQLITE_HOME", "/home/me/.codex", true],
  ["codex", "RUST_LOG", "codex=debug", true],
  ["codex", "CODEX_API_KEY", "x", false],
  ["codex", "CODEX_ACCESS_TOKEN", "x", false],
  ["gemini-cli", "GEMINI_MODEL", "gemini-2.5-pro", true],
  ["gemini-cli", "GEMINI_CLI_HOME", "/home/me", true],
  ["gemini-cli", "GOOGLE_CLOUD_PROJECT", "my-project", true],
  ["gemini-cli", "GEMINI_API_KEY", "x", false],
  ["gemini-cli", "GOOGLE_API_KEY", "x", false],
  ["gemini-cli", "GOOGLE_APPLICATION_CREDENTIALS", "/x.json", false],
  ["opencode", "OPENCODE_CONFIG", "/home/me/oc.json", true],
  ["opencode", "OPENCODE_CONFIG_CONTENT", `{"provider":{"x":{"apiKey":"${GHP}"}}}`, false],
  ["aider", "AIDER_MODEL", "sonnet", true],
  ["aider", "AIDER_OPENAI_API_KEY", "x", false],
  ["aider", "GIT_AUTHOR_NAME", "Jane Doe", true],
  ["aider", "PYTHONPATH", "/home/me/lib", true],
  ["aider", "PIP_INDEX_URL", "https://pypi.example.com/simple", true],
  ["aider", "PIP_INDEX_URL", "https://me:pw-4718@pypi.example.com/simple", false],
  ["aider", "UV_PUBLISH_TOKEN", "x", false],
  ["default", "CLAUDE_CODE_USE_BEDROCK", "1", false],
  ["default", "GIT_AUTHOR_NAME", "Jane Doe", false],
];

for (const [profile, name, value, passes] of CASES) {
  Deno.test(`profile ${profile} ${passes ? "passes" : "removes"} ${name}`, async () => {
    await using fx = await fixture();
    const policy = await resolvePolicy(fx.request({
      profile,
      env: { ...fx.env, [name]: value },
      createDirs: false,
    }));
    equal(policy.env.vars[name], passes ? value : undefined);
  });
}
