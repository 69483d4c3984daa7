/**
 * Keyed signing of an instruction file: the in-toto statement (its name relative to the
 * root, its SHA-256, its kind) in a DSSE envelope signed with WebCrypto, written as the
 * Sigstore bundle v0.3 `FILE.bundle` beside it (atomically).
 *
 * @module
 */

import { buildKeyedBundle, bundlePathFor } from "./bundle.ts";
import { sha256Hex } from "./digest.ts";
import { IN_TOTO_PAYLOAD_TYPE } from "./dsse.ts";
import { signDsse, type SigningKey } from "./keyed.ts";
import { buildStatement } from "./statement.ts";
import { writeFileAtomic } from "./atomic_write.ts";
import type { FoundFile } from "./scanner.ts";

/**
 * Signs one file and writes its bundle.
 *
 * Requires `--allow-read` on the file and `--allow-write` on its directory.
 *
 * @param file The file (path, statement name, kind).
 * @param key The signing key.
 * @returns The bundle's path and the file's SHA-256.
 * @example
 * ```ts
 * import { generateKey, importSigningKey } from "./keyed.ts";
 * import { signFile } from "./sign.ts";
 * const dir = Deno.makeTempDirSync();
 * Deno.writeTextFileSync(`${dir}/CLAUDE.md`, "be careful");
 * const key = await importSigningKey((await generateKey()).pkcs8);
 * const { bundle } = await signFile({ path: `${dir}/CLAUDE.md`, name: "CLAUDE.md", kind: "instructions" }, key);
 * console.assert(JSON.parse(Deno.readTextFileSync(bundle)).verificationMaterial.publicKey.hint === key.fingerprint);
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export async function signFile(
  file: FoundFile,
  key: SigningKey,
): Promise<{ bundle: string; sha256: string }> {
  const sha256 = sha256Hex(await Deno.readFile(file.path));
  const statement = buildStatement({ name: file.name, sha256, kind: file.kind });
  const payload = new TextEncoder().encode(JSON.stringify(statement));
  const signature = await signDsse(key.privateKey, IN_TOTO_PAYLOAD_TYPE, payload);
  const bundle = bundlePathFor(file.path);
  const json = JSON.stringify(buildKeyedBundle(key.fingerprint, payload, signature), null, 2);
  writeFileAtomic(bundle, new TextEncoder().encode(json + "\n"), 0o644);
  return { bundle, sha256 };
}
