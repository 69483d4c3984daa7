/**
 * The instruction files airlock verifies when no trust policy names any: the files that
 * coding agents read and obey (`AGENTS.md`, `CLAUDE.md`, `.cursorrules`, `.mcp.json`…),
 * at any depth, and the directories a scan never enters.
 *
 * This module has no dependencies so that other layers can import the same list: the
 * rollback persistence guard (issue 12) adds {@linkcode DEFAULT_INCLUDES} to the files
 * it restores when a session changes them. Patterns use the syntax of `glob.ts`.
 *
 * `.gitignore` is deliberately not honoured: an ignored `CLAUDE.md` is still read by the
 * agent.
 *
 * @module
 */

/** The default include globs, each matching at any depth. */
export const DEFAULT_INCLUDES: readonly string[] = [
  "AGENTS.md",
  "CLAUDE.md",
  "GEMINI.md",
  "SKILL.md",
  "SKILLS*",
  ".cursorrules",
  ".cursor/rules/**",
  ".windsurfrules",
  ".github/copilot-instructions.md",
  ".claude/**/*.md",
  ".claude/commands/**",
  ".mcp.json",
];

/**
 * Directory names a scan never enters: version control, dependency trees and build
 * output, where no agent looks for instructions and which would make every launch slow.
 */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set([
  ".git",
  ".hg",
  ".svn",
  ".jj",
  "node_modules",
  "bower_components",
  "target",
  "dist",
  "vendor",
  ".venv",
  "venv",
  "__pycache__",
  ".tox",
  ".nox",
  ".mypy_cache",
  ".pytest_cache",
  ".ruff_cache",
  ".gradle",
  ".terraform",
  ".next",
  ".nuxt",
  ".cache",
  ".direnv",
  ".bundle",
  "_build",
  "deps",
]);

/** How many directories deep a scan goes below its root. */
export const MAX_SCAN_DEPTH = 16;

/** What an instruction file is, as named in the signed statement's predicate. */
export type FileKind = "instructions" | "skill" | "rules" | "command" | "mcp-config" | "other";

/**
 * The kind of an instruction file, from its relative path.
 *
 * @param relPath The path relative to the scanned root (`/`-separated).
 * @returns The kind the signed predicate must name.
 * @example
 * ```ts
 * import { fileKind } from "./default_includes.ts";
 * console.assert(fileKind("pkg/CLAUDE.md") === "instructions");
 * console.assert(fileKind(".claude/commands/review.md") === "command");
 * console.assert(fileKind(".mcp.json") === "mcp-config");
 * ```
 */
export function fileKind(relPath: string): FileKind {
  const parts = relPath.split("/");
  const name = parts[parts.length - 1] ?? "";
  const dirs = parts.slice(0, -1);
  const under = (a: string, b: string) => dirs.some((d, i) => d === a && dirs[i + 1] === b);
  if (name === ".mcp.json") return "mcp-config";
  if (under(".claude", "commands")) return "command";
  if (name === ".cursorrules" || name === ".windsurfrules" || under(".cursor", "rules")) {
    return "rules";
  }
  if (name === "SKILL.md" || name.startsWith("SKILLS")) return "skill";
  if (["AGENTS.md", "CLAUDE.md", "GEMINI.md", "copilot-instructions.md"].includes(name)) {
    return "instructions";
  }
  if (dirs.includes(".claude") && name.endsWith(".md")) return "instructions";
  return "other";
}
