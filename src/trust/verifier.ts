/**
 * Verifies one instruction file against the effective trust policy: its sidecar bundle's
 * shape, the signature (keyed with WebCrypto, keyless with `@sigstore/verify` offline),
 * the signer (a publisher of the policy, matched by key fingerprint or certificate
 * claims, and not blocklisted) and the signed statement (this file's name, this file's
 * SHA-256, airlock's predicate). Every outcome is a {@linkcode FileVerdict} with one
 * reason; nothing throws for bad input, and nothing is trusted by default.
 *
 * The keyless module (and with it the npm packages) is loaded on the first keyless bundle.
 *
 * Requires `--allow-read` on the files and, for keyless bundles, on `policies/`.
 *
 * @module
 */

import { lazyImport } from "../lazy_import.ts";
import { BundleFormatError, bundlePathFor, parseBundle } from "./bundle.ts";
import { sha256Hex } from "./digest.ts";
import { importPublicKey, verifyDsse } from "./keyed.ts";
import { describeIdentity, identityMatches, type KeylessIdentity } from "./identity.ts";
import { checkStatement } from "./statement.ts";
import { SignatureMemo } from "./signature_memo.ts";
import type { EffectiveTrustPolicy, KeyPublisher } from "./policy_types.ts";
import type { FoundFile } from "./scanner.ts";

/** The outcome of verifying one file. */
export type FileStatus =
  | "verified"
  | "unsigned"
  | "tampered"
  | "wrong-name"
  | "unknown-publisher"
  | "blocklisted"
  | "bad-signature"
  | "invalid-bundle"
  | "unreadable";

/** One file's verdict. */
export interface FileVerdict {
  /** Absolute path. */
  path: string;
  /** The statement name (relative to the root, or `~/…`). */
  name: string;
  /** SHA-256 of the file's bytes, or null when unreadable. */
  sha256: string | null;
  /** The outcome. */
  status: FileStatus;
  /** One phrase saying why (empty when verified). */
  reason: string;
  /** The publisher's name, when verified. */
  publisher?: string;
  /** Who signed: a key fingerprint or `subject (issuer …)`, when known. */
  signer?: string;
}

/** Options of a {@linkcode TrustVerifier}. */
export interface TrustVerifierOptions {
  /**
   * Keyed signatures already verified (`signature_memo.ts`): one found there is not
   * verified again, one that verifies is added. Everything else is checked regardless.
   * @default none: every signature is verified
   */
  memo?: SignatureMemo;
}

/** Verifies files under one effective policy (caches imported keys). */
export class TrustVerifier {
  readonly #policy: EffectiveTrustPolicy;
  readonly #keys = new Map<string, Promise<CryptoKey>>();
  readonly #memo: SignatureMemo | null;

  /**
   * Creates a verifier.
   *
   * @param policy The effective trust policy.
   * @param options A memo of verified keyed signatures.
   */
  constructor(policy: EffectiveTrustPolicy, options: TrustVerifierOptions = {}) {
    this.#policy = policy;
    this.#memo = options.memo ?? null;
  }

  /**
   * Verifies one file.
   *
   * @param file The file, as the scanner found it.
   * @returns The verdict (never throws for bad input).
   * @example
   * ```ts ignore
   * const verdict = await new TrustVerifier(policy).verify(found);
   * if (verdict.status !== "verified") console.error(`${verdict.name}: ${verdict.reason}`);
   * ```
   */
  async verify(file: FoundFile): Promise<FileVerdict> {
    const base = { path: file.path, name: file.name };
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = Deno.readFileSync(file.path); // small files: a sync read skips a thread hop
    } catch (err) {
      return {
        ...base,
        sha256: null,
        status: "unreadable",
        reason: `cannot be read (${name(err)})`,
      };
    }
    const sha256 = sha256Hex(bytes);
    const verdict = (status: FileStatus, reason: string, extra: Partial<FileVerdict> = {}) => ({
      ...base,
      sha256,
      status,
      reason,
      ...extra,
    });
    if (this.#policy.blockedDigests.has(sha256)) {
      return verdict("blocklisted", "its SHA-256 is on the blocklist");
    }
    const bundleFile = bundlePathFor(file.path);
    const sidecar = `${file.name}.bundle`;
    let raw: Uint8Array;
    let text: string;
    try {
      raw = Deno.readFileSync(bundleFile);
      text = new TextDecoder().decode(raw);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) {
        return verdict("unsigned", `has no ${sidecar} (sign it with \`airlock trust sign\`)`);
      }
      return verdict("invalid-bundle", `${sidecar} cannot be read (${name(err)})`);
    }
    let bundle;
    try {
      bundle = parseBundle(text);
    } catch (err) {
      if (err instanceof BundleFormatError) {
        return verdict("invalid-bundle", `${sidecar} ${err.message}`);
      }
      throw err;
    }
    let publisher: string;
    let signer: string;
    if (bundle.kind === "keyed") {
      signer = bundle.hint;
      if (
        this.#policy.blockedIdentities.some((b) => "fingerprint" in b && b.fingerprint === signer)
      ) {
        return verdict("blocklisted", `is signed by key ${signer}, which is on the blocklist`, {
          signer,
        });
      }
      const known = this.#policy.publishers.find((p): p is KeyPublisher =>
        p.type === "key" && p.fingerprint === bundle.hint
      );
      if (!known) {
        return verdict(
          "unknown-publisher",
          `is signed by key ${signer}, which is not a publisher in the trust policy`,
          { signer },
        );
      }
      const memo = this.#memo;
      const entry = memo ? SignatureMemo.entry(known.spki, raw) : null;
      if (entry === null || !memo!.has(entry)) {
        let key: CryptoKey;
        try {
          key = await this.#key(known);
        } catch {
          return verdict(
            "bad-signature",
            `${known.name}'s public key in the trust policy is not a valid P-256 point`,
            { signer },
          );
        }
        if (!(await verifyDsse(key, bundle.payloadType, bundle.payload, bundle.signature))) {
          return verdict(
            "bad-signature",
            `${sidecar} has a signature that does not verify with ${known.name}'s key`,
            { signer },
          );
        }
        if (entry !== null) memo!.add(entry);
      }
      publisher = known.name;
    } else {
      let identity: KeylessIdentity;
      try {
        const { verifyKeyless } = await lazyImport<typeof import("./keyless.ts")>(
          "../trust/keyless.ts",
          import.meta.url,
        );
        identity = verifyKeyless(bundle.json);
      } catch (err) {
        const status = /signature/.test(name(err)) ? "bad-signature" : "invalid-bundle";
        return verdict(status, `${sidecar} ${name(err)}`);
      }
      signer = describeIdentity(identity);
      if (
        this.#policy.blockedIdentities.some((b) => "issuer" in b && identityMatches(b, identity))
      ) {
        return verdict("blocklisted", `is signed by ${signer}, who is on the blocklist`, {
          signer,
        });
      }
      const known = this.#policy.publishers.find((p) =>
        p.type === "keyless" && identityMatches(p, identity)
      );
      if (!known) {
        return verdict(
          "unknown-publisher",
          `is signed by ${signer}, who is not a publisher in the trust policy`,
          { signer },
        );
      }
      publisher = known.name;
    }
    const problem = checkStatement(bundle.payload, { name: file.name, sha256, kind: file.kind });
    if (problem) return verdict(problem.status, problem.reason, { signer });
    return verdict("verified", "", { publisher, signer });
  }

  #key(publisher: KeyPublisher): Promise<CryptoKey> {
    let key = this.#keys.get(publisher.fingerprint);
    if (!key) {
      key = importPublicKey(publisher.spki);
      this.#keys.set(publisher.fingerprint, key);
    }
    return key;
  }
}

function name(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
