/**
 * One profile source to a validated profile document, through the full JSONC parser
 * (comments, trailing commas, repeated keys and syntax errors with line and column).
 *
 * @module
 */

import { parseProfileText } from "./parse.ts";
import type { ProfileSource } from "./locate.ts";
import type { ProfileDoc } from "./profile_types.ts";
import { validateProfile } from "./validate.ts";

/**
 * Parses and validates one profile source.
 *
 * @param source The profile's text and origin.
 * @returns The validated profile.
 * @throws {ProfileError} On malformed JSONC or a bad key or value.
 * @example
 * ```ts
 * import { profileFromSource } from "./from_source.ts";
 * const doc = profileFromSource({ name: "x", file: "x.json", builtin: false, text: '{"extends": "default"}' });
 * console.assert(doc.extends[0] === "default");
 * ```
 */
export function profileFromSource(source: ProfileSource): ProfileDoc {
  const raw = parseProfileText(source.text, source.name, source.file);
  return validateProfile(raw, { name: source.name, file: source.file, builtin: source.builtin });
}
