/**
 * Validates one trust policy file: known keys only, globs that mean what they say,
 * publishers whose public key hashes to the fingerprint they claim, and digests and
 * patterns in their exact syntax. Every error is one line naming the file, the key and
 * the value: `Cannot load trust policy /p/trust-policy.json: includes[1] uses "{", which
 * is not supported (only *, ? and **): current value is "{a,b}.md"`.
 *
 * @module
 */

import { TrustError } from "../errors.ts";
import { fingerprintOf } from "./keyed.ts";
import { globProblem } from "./glob.ts";
import { isSha256Hex } from "./digest.ts";
import { fromPem } from "./pem.ts";
import type { IdentityPattern } from "./identity.ts";
import {
  type AcceptedProject,
  type BlockedIdentity,
  type Enforcement,
  ENFORCEMENTS,
  type Publisher,
  type TrustPolicyFile,
} from "./policy_types.ts";

/** Known keys of each object, as documented in `policies/trust/schema.json`. */
export const TRUST_POLICY_KEYS = {
  "": [
    "$schema",
    "description",
    "enforcement",
    "includes",
    "files",
    "publishers",
    "blocklist",
    "accepted_projects",
  ],
  keyPublisher: ["type", "name", "fingerprint", "public_key"],
  keylessPublisher: ["type", "name", "issuer", "subject", "repository", "workflow", "ref"],
  blocklist: ["digests", "identities"],
  keyIdentity: ["fingerprint"],
  keylessIdentity: ["issuer", "subject", "repository", "workflow", "ref"],
  acceptedProject: ["sha256", "path", "accepted_at"],
} as const;

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$/;

class Problem {
  readonly #file: string;
  constructor(file: string) {
    this.#file = file;
  }
  at(key: string, problem: string, value: unknown, hint?: string): TrustError {
    const shown = value === undefined ? "missing" : JSON.stringify(value);
    return new TrustError(
      `Cannot load trust policy ${this.#file}: ${key} ${problem}: current value is ${
        shown.length > 80 ? `${shown.slice(0, 77)}...` : shown
      }`,
      { hint: hint ?? "fix the policy (see `airlock trust schema`)" },
    );
  }
  object(key: string, value: unknown, known: readonly string[]): Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw this.at(key || "the policy", "must be a JSON object", value);
    }
    for (const k of Object.keys(value)) {
      if (!known.includes(k)) {
        const where = key ? `${key}.${k}` : k;
        throw this.at(`key "${where}"`, `is unknown: known keys are ${known.join(", ")}`, k);
      }
    }
    return value as Record<string, unknown>;
  }
  array(key: string, value: unknown): unknown[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw this.at(key, "must be an array", value);
    return value;
  }
  string(key: string, value: unknown): string {
    if (typeof value !== "string" || value.length === 0) {
      throw this.at(key, "must be a non-empty string", value);
    }
    return value;
  }
}

/**
 * Validates a parsed policy file.
 *
 * @param value The parsed JSONC.
 * @param file The file, for messages.
 * @param sha256 The file's SHA-256.
 * @returns The typed policy.
 * @throws {TrustError} On the first problem, naming the file, key and value.
 * @example
 * ```ts
 * import { validateTrustPolicy } from "./policy_validate.ts";
 * const policy = validateTrustPolicy({ enforcement: "warn", includes: ["PROMPT.md"] }, "/p.json", "00".repeat(32));
 * console.assert(policy.enforcement === "warn" && policy.includes[0] === "PROMPT.md");
 * ```
 */
export function validateTrustPolicy(
  value: unknown,
  file: string,
  sha256: string,
): TrustPolicyFile {
  const p = new Problem(file);
  const top = p.object("", value, TRUST_POLICY_KEYS[""]);
  if (top.$schema !== undefined && typeof top.$schema !== "string") {
    throw p.at("$schema", "must be a string", top.$schema);
  }
  if (top.description !== undefined && typeof top.description !== "string") {
    throw p.at("description", "must be a string", top.description);
  }
  let enforcement: Enforcement | undefined;
  if (top.enforcement !== undefined) {
    if (!ENFORCEMENTS.includes(top.enforcement as Enforcement)) {
      throw p.at("enforcement", `must be one of ${ENFORCEMENTS.join(", ")}`, top.enforcement);
    }
    enforcement = top.enforcement as Enforcement;
  }
  const includes = p.array("includes", top.includes).map((glob, i) => {
    const problem = globProblem(glob as string);
    if (problem) throw p.at(`includes[${i}]`, problem, glob);
    return glob as string;
  });
  const files = p.array("files", top.files).map((path, i) => {
    const text = p.string(`files[${i}]`, path);
    if (!text.startsWith("/") && !text.startsWith("~/")) {
      throw p.at(`files[${i}]`, "must be an absolute path or start with ~/", path);
    }
    if (text.split("/").some((s) => s === "..")) {
      throw p.at(`files[${i}]`, 'must not contain ".."', path);
    }
    return text;
  });
  const publishers: Publisher[] = [];
  const names = new Set<string>();
  for (const [i, raw] of p.array("publishers", top.publishers).entries()) {
    const publisher = validatePublisher(p, `publishers[${i}]`, raw);
    if (names.has(publisher.name)) {
      throw p.at(`publishers[${i}].name`, "repeats another publisher's name", publisher.name);
    }
    names.add(publisher.name);
    publishers.push(publisher);
  }
  const blocklist = top.blocklist === undefined
    ? {}
    : p.object("blocklist", top.blocklist, TRUST_POLICY_KEYS.blocklist);
  const blockedDigests = p.array("blocklist.digests", blocklist.digests).map((d, i) => {
    const digest = typeof d === "string" ? d.replace(/^sha256:/, "").toLowerCase() : d;
    if (!isSha256Hex(digest)) {
      throw p.at(`blocklist.digests[${i}]`, "must be a SHA-256 in hex (64 digits)", d);
    }
    return digest;
  });
  const blockedIdentities = p.array("blocklist.identities", blocklist.identities).map((raw, i) =>
    validateIdentity(p, `blocklist.identities[${i}]`, raw)
  );
  const acceptedProjects = p.array("accepted_projects", top.accepted_projects).map((raw, i) => {
    const key = `accepted_projects[${i}]`;
    const entry = p.object(key, raw, TRUST_POLICY_KEYS.acceptedProject);
    if (!isSha256Hex(entry.sha256)) {
      throw p.at(`${key}.sha256`, "must be a SHA-256 in hex (64 digits)", entry.sha256);
    }
    const out: AcceptedProject = { sha256: entry.sha256 };
    if (entry.path !== undefined) out.path = p.string(`${key}.path`, entry.path);
    if (entry.accepted_at !== undefined) p.string(`${key}.accepted_at`, entry.accepted_at);
    return out;
  });
  return {
    file,
    sha256,
    ...(enforcement ? { enforcement } : {}),
    includes,
    files,
    publishers,
    blockedDigests,
    blockedIdentities,
    acceptedProjects,
  };
}

function validatePublisher(p: Problem, key: string, raw: unknown): Publisher {
  const type = (raw as { type?: unknown } | null)?.type;
  if (type === "key") {
    const entry = p.object(key, raw, TRUST_POLICY_KEYS.keyPublisher);
    const name = publisherName(p, key, entry.name);
    if (!isSha256Hex(entry.fingerprint)) {
      throw p.at(`${key}.fingerprint`, "must be a SHA-256 in hex (64 digits)", entry.fingerprint);
    }
    const spki = typeof entry.public_key === "string"
      ? fromPem("PUBLIC KEY", entry.public_key)
      : null;
    if (!spki) {
      throw p.at(
        `${key}.public_key`,
        "must be a PEM public key",
        entry.public_key,
        "paste the output of `airlock trust export-key --pem`",
      );
    }
    const actual = fingerprintOf(spki);
    if (actual !== entry.fingerprint) {
      throw p.at(
        `${key}.fingerprint`,
        `does not match public_key (whose fingerprint is ${actual})`,
        entry.fingerprint,
      );
    }
    if (!isP256Spki(spki)) {
      throw p.at(`${key}.public_key`, "must be an ECDSA P-256 public key", "(PEM)");
    }
    return { type, name, fingerprint: actual, spki };
  }
  if (type === "keyless") {
    const entry = p.object(key, raw, TRUST_POLICY_KEYS.keylessPublisher);
    return {
      type,
      name: publisherName(p, key, entry.name),
      ...identityPattern(p, key, entry, true),
    };
  }
  throw p.at(`${key}.type`, 'must be "key" or "keyless"', type);
}

function publisherName(p: Problem, key: string, value: unknown): string {
  if (typeof value !== "string" || !NAME.test(value)) {
    throw p.at(`${key}.name`, "must be 1 to 64 letters, digits, spaces or . _ @ -", value);
  }
  return value;
}

function identityPattern(
  p: Problem,
  key: string,
  entry: Record<string, unknown>,
  publisher: boolean,
): IdentityPattern {
  const issuer = p.string(`${key}.issuer`, entry.issuer);
  if (!/^https:\/\/[^*\s]+$/.test(issuer)) {
    throw p.at(
      `${key}.issuer`,
      "must be an https URL without wildcards (compared exactly)",
      issuer,
    );
  }
  const out: IdentityPattern = { issuer, subject: p.string(`${key}.subject`, entry.subject) };
  for (const claim of ["repository", "workflow", "ref"] as const) {
    if (entry[claim] !== undefined) out[claim] = p.string(`${key}.${claim}`, entry[claim]);
  }
  if (publisher && out.subject.replaceAll("*", "") === "") {
    throw p.at(`${key}.subject`, "must name more than wildcards", out.subject);
  }
  return out;
}

function validateIdentity(p: Problem, key: string, raw: unknown): BlockedIdentity {
  if (typeof raw === "object" && raw !== null && "fingerprint" in raw) {
    const entry = p.object(key, raw, TRUST_POLICY_KEYS.keyIdentity);
    if (!isSha256Hex(entry.fingerprint)) {
      throw p.at(`${key}.fingerprint`, "must be a SHA-256 in hex (64 digits)", entry.fingerprint);
    }
    return { fingerprint: entry.fingerprint };
  }
  const entry = p.object(key, raw, TRUST_POLICY_KEYS.keylessIdentity);
  return identityPattern(p, key, entry, false);
}

/** DER SubjectPublicKeyInfo header of an uncompressed ECDSA P-256 key (id-ecPublicKey, prime256v1). */
const P256_SPKI_PREFIX = Uint8Array.fromHex(
  "3059301306072a8648ce3d020106082a8648ce3d03010703420004",
);

/** Whether `spki` has the shape of a P-256 public key (the point itself is checked on import). */
function isP256Spki(spki: Uint8Array): boolean {
  return spki.length === 91 && P256_SPKI_PREFIX.every((b, i) => spki[i] === b);
}
