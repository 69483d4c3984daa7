/**
 * Writing the user trust policy: the commented template `airlock trust init` writes, and
 * the edits `accept` and `block` make to an existing file without losing its comments
 * (`jsonc-parser`'s `modify`), each checked by re-validating the result and written
 * atomically.
 *
 * @module
 */

import { applyEdits, modify } from "jsonc-parser";
import { TrustError } from "../errors.ts";
import { writeFileAtomic } from "./atomic_write.ts";
import { parseJsonc } from "./jsonc.ts";
import { validateTrustPolicy } from "./policy_validate.ts";
import type { KeyRecord } from "./signing_keys.ts";

/**
 * The commented user policy `airlock trust init` writes.
 *
 * @param keys Local keys, listed as publishers.
 * @returns The JSONC text.
 * @example
 * ```ts
 * import { parseJsonc } from "./jsonc.ts";
 * import { policyTemplate } from "./policy_edit.ts";
 * const value = parseJsonc(policyTemplate([])) as { enforcement: string };
 * console.assert(value.enforcement === "deny");
 * ```
 */
export function policyTemplate(keys: readonly KeyRecord[]): string {
  const publishers = keys.map((k) =>
    "    " + JSON.stringify({
      type: "key",
      name: k.id,
      fingerprint: k.fingerprint,
      public_key: k.public_key,
    })
  );
  return `// airlock trust policy (JSONC). Schema: \`airlock trust schema\`; guide: docs/trust.md.
// airlock run verifies every instruction file (AGENTS.md, CLAUDE.md, .cursorrules, …) before the
// agent starts; a file is trusted when its FILE.bundle is signed by a publisher listed here.
{
  // deny: refuse to start on any file that does not verify; warn: say so and run; audit: only record.
  "enforcement": "deny",

  // Globs of instruction files, at any depth ("/X" anchors at the workdir). Leave empty for the
  // defaults (AGENTS.md, CLAUDE.md, GEMINI.md, SKILL.md, SKILLS*, .cursorrules, .cursor/rules/**,
  // .windsurfrules, .github/copilot-instructions.md, .claude/**/*.md, .claude/commands/**, .mcp.json).
  "includes": [],

  // Files outside the workdir that agents also read, e.g. "~/.claude/CLAUDE.md".
  "files": [],

  // Who may sign. A key: { "type": "key", "name", "fingerprint", "public_key" } (see
  // \`airlock trust export-key\`). Keyless (Sigstore, e.g. GitHub Actions):
  // { "type": "keyless", "name": "ci", "issuer": "https://token.actions.githubusercontent.com",
  //   "subject": "https://github.com/ORG/REPO/.github/workflows/sign.yml@refs/heads/main" }
  // (optional "repository", "workflow", "ref" patterns; "*" is a wildcard; the issuer is exact).
  "publishers": [
${publishers.join(",\n")}
  ],

  // Denied in every mode: file digests (\`airlock trust block FILE\`) and signers
  // ({ "fingerprint": "…" } or { "issuer": "…", "subject": "…" }).
  "blocklist": { "digests": [], "identities": [] },

  // Project policies (.airlock/trust-policy.json) you reviewed: \`airlock trust accept\` pins
  // their SHA-256 here. Until then a project policy can only add includes and blocklist entries.
  "accepted_projects": []
}
`;
}

/**
 * Appends a value to an array in the user policy, keeping comments, and writes it back.
 *
 * @param path The user policy.
 * @param key The array's path (`["blocklist", "digests"]`).
 * @param value The value to append.
 * @returns Whether the file changed (false when an equal value was present).
 * @throws {TrustError} When the file is missing or the result would be invalid.
 */
export function appendToPolicy(
  path: string,
  key: (string | number)[],
  value: unknown,
): boolean {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (err) {
    throw new TrustError(`Cannot edit trust policy ${path}: ${(err as Error).message}`, {
      hint: "create it with `airlock trust init`",
      cause: err,
    });
  }
  let current: unknown = parseJsonc(text);
  for (const k of key) current = (current as Record<string | number, unknown> | undefined)?.[k];
  const list = Array.isArray(current) ? current : [];
  if (list.some((v) => JSON.stringify(v) === JSON.stringify(value))) return false;
  const edits = modify(text, [...key, list.length], value, {
    isArrayInsertion: true,
    formattingOptions: { insertSpaces: true, tabSize: 2, eol: "\n" },
  });
  const next = applyEdits(text, edits);
  const bytes = new TextEncoder().encode(next);
  validateTrustPolicy(parseJsonc(next), path, "0".repeat(64));
  writeFileAtomic(path, bytes, 0o600);
  return true;
}
