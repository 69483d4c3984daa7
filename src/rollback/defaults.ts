/**
 * The built-in rollback lists, kept free of dependencies so that `--dry-run` and the
 * docs can show them without loading the pattern matcher: what every snapshot leaves
 * out, and which paths the persistence guard watches.
 *
 * @module
 */

/**
 * Directories and files every snapshot leaves out: reproducible dependencies, build
 * output and caches, which are large and which an agent's damage to costs a rebuild, not
 * work. A profile can bring one back with a negated pattern (`!target/`).
 */
export const DEFAULT_EXCLUDES: readonly string[] = [
  "node_modules/",
  "bower_components/",
  ".venv/",
  "venv/",
  "__pycache__/",
  "*.pyc",
  ".tox/",
  ".nox/",
  ".mypy_cache/",
  ".pytest_cache/",
  ".ruff_cache/",
  "target/",
  ".gradle/",
  ".next/",
  ".nuxt/",
  ".turbo/",
  ".parcel-cache/",
  ".terraform/",
  ".direnv/",
  ".zig-cache/",
  ".DS_Store",
];

/** The built-in guarded paths (gitignore syntax, relative to the workdir). */
export const DEFAULT_GUARD: readonly string[] = [
  ".git/hooks/",
  ".git/config",
  ".gitmodules",
  ".envrc",
  ".vscode/settings.json",
  ".vscode/tasks.json",
  ".vscode/launch.json",
  ".idea/",
  ".devcontainer/",
  ".devcontainer.json",
  // Agents' project configuration: hooks and MCP server commands run when the agent next
  // starts in this project, perhaps without airlock.
  ".claude/settings.json",
  ".claude/settings.local.json",
  ".claude/hooks/",
  ".mcp.json",
  ".codex/config.toml",
  ".gemini/settings.json",
  "opencode.json",
  "opencode.jsonc",
  ".opencode/plugin/",
];
