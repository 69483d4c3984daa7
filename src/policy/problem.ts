/**
 * Error building for profile validation: one {@linkcode ProfileProblem} per profile turns a
 * key path, a problem and the offending value into a one-line {@linkcode ProfileError}
 * (`Cannot load profile "dev": filesystem.write[2] must be an absolute path: current value is "tmp"`),
 * and checks objects, arrays and string lists on the way.
 *
 * @module
 */

import { ProfileError } from "../errors.ts";
import type { Sourced } from "./profile_types.ts";

/** Builds validation errors for one profile. */
export class ProfileProblem {
  readonly #name: string;

  /**
   * Creates the error builder for one profile.
   *
   * @param name The profile's name or path.
   */
  constructor(name: string) {
    this.#name = name;
  }

  /**
   * An error `Cannot load profile "NAME": KEY PROBLEM: current value is VALUE`.
   *
   * @param key The key path, e.g. `filesystem.read[2]`.
   * @param problem What is wrong (`must be an absolute path`).
   * @param value The offending value.
   * @param hint How to fix it.
   * @returns The error, to throw.
   */
  at(key: string, problem: string, value: unknown, hint?: string): ProfileError {
    const shown = value === undefined ? "missing" : JSON.stringify(value);
    const message = `Cannot load profile "${this.#name}": ${key} ${problem}: current value is ${
      shown.length > 80 ? shown.slice(0, 77) + "..." : shown
    }`;
    return new ProfileError(message, hint === undefined ? {} : { hint });
  }

  /**
   * Like {@linkcode ProfileProblem.at} for a value that may be a secret (a credential
   * pasted where a reference belongs): the value is not shown.
   *
   * @param key The key path, e.g. `credentials.openai`.
   * @param problem What is wrong.
   * @param hint How to fix it.
   * @returns The error, to throw.
   */
  hidden(key: string, problem: string, hint?: string): ProfileError {
    const message =
      `Cannot load profile "${this.#name}": ${key} ${problem}: the value is not shown as it may be a secret`;
    return new ProfileError(message, hint === undefined ? {} : { hint });
  }

  /**
   * Checks that `value` is a plain object with only known keys.
   *
   * @param key The key path of the object (`""` for the top level).
   * @param value The value.
   * @param known The allowed keys (null: any key).
   * @returns The object.
   * @throws {ProfileError} On a non-object or an unknown key.
   */
  object(key: string, value: unknown, known: readonly string[] | null): Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw this.at(key || "the profile", "must be an object", value);
    }
    const record = value as Record<string, unknown>;
    if (known !== null) {
      for (const k of Object.keys(record)) {
        if (!known.includes(k)) {
          const where = key ? `${key}.${k}` : k;
          throw new ProfileError(
            `Cannot load profile "${this.#name}": unknown key "${where}": known keys${
              key ? ` in ${key}` : ""
            } are ${known.join(", ")}`,
            { hint: "check the spelling against `airlock profile schema`" },
          );
        }
      }
    }
    return record;
  }

  /**
   * Checks that `value` is an array (or absent: empty).
   *
   * @param key The key path.
   * @param value The value.
   * @returns The array.
   * @throws {ProfileError} When it is something else.
   */
  array(key: string, value: unknown): unknown[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw this.at(key, "must be an array", value);
    return value;
  }

  /**
   * Checks an array of strings, each passing `check` (which returns a problem or null).
   *
   * @param key The key path.
   * @param value The value.
   * @param check Validates one string.
   * @returns The strings with their origins.
   * @throws {ProfileError} On the first bad element.
   */
  strings(
    key: string,
    value: unknown,
    check: (s: string) => string | null = () => null,
  ): Sourced<string>[] {
    return this.array(key, value).map((item, i) => {
      const where = `${key}[${i}]`;
      if (typeof item !== "string") throw this.at(where, "must be a string", item);
      const problem = check(item);
      if (problem !== null) throw this.at(where, problem, item);
      return { value: item, origin: `profile ${this.#name}: ${where}` };
    });
  }

  /**
   * The profile's name or path, as given to the constructor.
   *
   * @returns The profile's name, for origins.
   */
  get name(): string {
    return this.#name;
  }
}
