/**
 * Test helpers: keys, signed files and effective policies built through the real modules.
 *
 * @module
 */

import { generateKey, importSigningKey, type SigningKey } from "../../src/trust/keyed.ts";
import { toPem } from "../../src/trust/pem.ts";
import { validateTrustPolicy } from "../../src/trust/policy_validate.ts";
import { mergeTrustPolicies } from "../../src/trust/policy_load.ts";
import type { EffectiveTrustPolicy } from "../../src/trust/policy_types.ts";
import { fileKind } from "../../src/trust/default_includes.ts";
import { signFile } from "../../src/trust/sign.ts";
import type { FoundFile } from "../../src/trust/scanner.ts";

/** A fresh signing key with its publisher entry. */
export async function newKey(
  name = "alice",
): Promise<SigningKey & { entry: Record<string, string> }> {
  const generated = await generateKey();
  const key = await importSigningKey(generated.pkcs8);
  generated.pkcs8.fill(0);
  return {
    ...key,
    entry: {
      type: "key",
      name,
      fingerprint: key.fingerprint,
      public_key: toPem("PUBLIC KEY", key.spki),
    },
  };
}

/** An effective policy from a user policy document (validated as a file would be). */
export function userPolicy(doc: Record<string, unknown>): EffectiveTrustPolicy {
  const file = validateTrustPolicy(doc, "/test/trust-policy.json", "11".repeat(32));
  return mergeTrustPolicies(file, null, "/home/test");
}

/** The FoundFile of `root/rel`. */
export function found(root: string, rel: string): FoundFile {
  return { path: `${root}/${rel}`, name: rel, kind: fileKind(rel) };
}

/** Signs `root/rel` under the name `as` (default: `rel`). */
export async function sign(root: string, rel: string, key: SigningKey, as = rel): Promise<void> {
  await signFile({ path: `${root}/${rel}`, name: as, kind: fileKind(as) }, key);
}
