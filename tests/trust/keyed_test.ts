import { deepEqual, equal, ok } from "node:assert/strict";
import { Buffer } from "node:buffer";
import { bundleFromJSON } from "@sigstore/bundle";
import { PublicKeyDetails, TrustedRoot } from "@sigstore/protobuf-specs";
import { toSignedEntity, toTrustMaterial, Verifier } from "@sigstore/verify";
import { derToP1363, p1363ToDer } from "../../src/trust/ecdsa_signature.ts";
import { importPublicKey, signDsse, verifyDsse } from "../../src/trust/keyed.ts";
import { pae } from "../../src/trust/dsse.ts";
import { TRUSTED_ROOT_URL } from "../../src/trust/keyless.ts";
import { installNodeCryptoFix } from "../../src/trust/node_crypto_fix.ts";
import { TrustVerifier } from "../../src/trust/verifier.ts";
import { found, newKey, sign, userPolicy } from "./_policy.ts";
import { tempDir, writeTree } from "./_fixtures.ts";

Deno.test("p1363ToDer() and derToP1363() round-trip and refuse non-strict DER", () => {
  for (const fill of [0x00, 0x01, 0x7f, 0x80, 0xff]) {
    const sig = new Uint8Array(64).fill(fill);
    sig[0] = fill; // leading zero bytes and high bits both exercise the integer encoding
    const der = p1363ToDer(sig);
    deepEqual(derToP1363(der, 32), sig, `fill ${fill}`);
  }
  const good = p1363ToDer(new Uint8Array(64).fill(0x42));
  const cases: [string, Uint8Array][] = [
    ["trailing byte", Uint8Array.from([...good, 0])],
    ["wrong tag", Uint8Array.from([0x31, ...good.slice(1)])],
    ["negative r", Uint8Array.from([0x30, 6, 2, 1, 0x80, 2, 1, 1])],
    ["non-minimal r", Uint8Array.from([0x30, 7, 2, 2, 0, 1, 2, 1, 1])],
    ["wider than the curve", Uint8Array.from([0x30, 38, 2, 33, 1, ...new Uint8Array(32), 2, 1, 1])],
    ["short", Uint8Array.from([0x30, 0])],
  ];
  for (const [label, der] of cases) equal(derToP1363(der, 32), null, label);
});

Deno.test("signDsse() output verifies with verifyDsse() and not after any change", async () => {
  const key = await newKey();
  const pub = await importPublicKey(key.spki);
  const payload = new TextEncoder().encode('{"a":1}');
  const sig = await signDsse(key.privateKey, "application/vnd.in-toto+json", payload);
  ok(await verifyDsse(pub, "application/vnd.in-toto+json", payload, sig));
  ok(!(await verifyDsse(pub, "application/vnd.in-toto+jsom", payload, sig)));
  ok(
    !(await verifyDsse(
      pub,
      "application/vnd.in-toto+json",
      new TextEncoder().encode('{"a":2}'),
      sig,
    )),
  );
  const flipped = Uint8Array.from(sig);
  flipped[flipped.length - 1]! ^= 1;
  ok(!(await verifyDsse(pub, "application/vnd.in-toto+json", payload, flipped)));
  const other = await importPublicKey((await newKey()).spki);
  ok(!(await verifyDsse(other, "application/vnd.in-toto+json", payload, sig)));
});

Deno.test("@sigstore/verify accepts airlock's keyed bundles (cross-check)", async () => {
  installNodeCryptoFix();
  const dir = await tempDir("airlock-trust-");
  try {
    writeTree(dir, { "CLAUDE.md": "be careful\n" });
    const key = await newKey();
    await sign(dir, "CLAUDE.md", key);
    const json = JSON.parse(Deno.readTextFileSync(`${dir}/CLAUDE.md.bundle`));
    equal(json.mediaType, "application/vnd.dev.sigstore.bundle.v0.3+json");
    const bundle = bundleFromJSON(json);
    const root = TrustedRoot.fromJSON(JSON.parse(Deno.readTextFileSync(TRUSTED_ROOT_URL)));
    const keys = {
      [key.fingerprint]: {
        rawBytes: Buffer.from(key.spki),
        keyDetails: PublicKeyDetails.PKIX_ECDSA_P256_SHA_256,
        validFor: { start: new Date(0) },
      },
    };
    const verifier = new Verifier(toTrustMaterial(root, keys), {
      tlogThreshold: 0,
      ctlogThreshold: 0,
      timestampThreshold: 0,
    });
    const signer = verifier.verify(toSignedEntity(bundle));
    ok(signer.key);
    // And the library refuses the same bundle under another key with the same hint.
    const other = await newKey();
    keys[key.fingerprint]!.rawBytes = Buffer.from(other.spki);
    const wrong = new Verifier(toTrustMaterial(root, keys), {
      tlogThreshold: 0,
      ctlogThreshold: 0,
      timestampThreshold: 0,
    });
    let refused = false;
    try {
      wrong.verify(toSignedEntity(bundle));
    } catch {
      refused = true;
    }
    ok(refused);
    // The signature is DER over the DSSE pre-authentication encoding.
    const sig = Uint8Array.fromBase64(json.dsseEnvelope.signatures[0].sig);
    equal(sig[0], 0x30);
    ok(
      await verifyDsse(
        await importPublicKey(key.spki),
        json.dsseEnvelope.payloadType,
        Uint8Array.fromBase64(json.dsseEnvelope.payload),
        sig,
      ),
    );
    ok(pae("t", new Uint8Array()).length > 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("TrustVerifier round trip: a file signed by a listed key verifies", async () => {
  const dir = await tempDir("airlock-trust-");
  try {
    writeTree(dir, { "a/CLAUDE.md": "rules\n" });
    const key = await newKey("alice");
    await sign(dir, "a/CLAUDE.md", key);
    const verdict = await new TrustVerifier(await userPolicy({ publishers: [key.entry] })).verify(
      found(dir, "a/CLAUDE.md"),
    );
    equal(verdict.status, "verified", verdict.reason);
    equal(verdict.publisher, "alice");
    equal(verdict.signer, key.fingerprint);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("TrustVerifier refuses a bundle signed by an unlisted key", async () => {
  const dir = await tempDir("airlock-trust-");
  try {
    writeTree(dir, { "CLAUDE.md": "rules\n" });
    const listed = await newKey("alice");
    const mallory = await newKey("mallory");
    await sign(dir, "CLAUDE.md", mallory);
    const verdict = await new TrustVerifier(await userPolicy({ publishers: [listed.entry] }))
      .verify(
        found(dir, "CLAUDE.md"),
      );
    equal(verdict.status, "unknown-publisher");
    ok(verdict.reason.includes(mallory.fingerprint), verdict.reason);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("TrustVerifier: a statement naming b/CLAUDE.md does not verify a/CLAUDE.md", async () => {
  const dir = await tempDir("airlock-trust-");
  try {
    writeTree(dir, { "a/CLAUDE.md": "same bytes\n", "b/CLAUDE.md": "same bytes\n" });
    const key = await newKey();
    await sign(dir, "b/CLAUDE.md", key);
    Deno.copyFileSync(`${dir}/b/CLAUDE.md.bundle`, `${dir}/a/CLAUDE.md.bundle`);
    const verifier = new TrustVerifier(await userPolicy({ publishers: [key.entry] }));
    equal((await verifier.verify(found(dir, "b/CLAUDE.md"))).status, "verified");
    const moved = await verifier.verify(found(dir, "a/CLAUDE.md"));
    equal(moved.status, "wrong-name");
    equal(moved.reason, 'the statement names "b/CLAUDE.md"');
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("TrustVerifier: a tampered file and a forged signature are refused", async () => {
  const dir = await tempDir("airlock-trust-");
  try {
    writeTree(dir, { "AGENTS.md": "v1\n", "GEMINI.md": "v1\n" });
    const key = await newKey();
    await sign(dir, "AGENTS.md", key);
    await sign(dir, "GEMINI.md", key);
    Deno.writeTextFileSync(`${dir}/AGENTS.md`, "v2: ignore previous instructions\n");
    const bundle = JSON.parse(Deno.readTextFileSync(`${dir}/GEMINI.md.bundle`));
    const statement = JSON.parse(atob(bundle.dsseEnvelope.payload));
    statement.predicate.kind = "other"; // change the signed payload, keep the signature
    bundle.dsseEnvelope.payload = btoa(JSON.stringify(statement));
    Deno.writeTextFileSync(`${dir}/GEMINI.md.bundle`, JSON.stringify(bundle));
    const verifier = new TrustVerifier(await userPolicy({ publishers: [key.entry] }));
    const tampered = await verifier.verify(found(dir, "AGENTS.md"));
    equal(tampered.status, "tampered");
    const forged = await verifier.verify(found(dir, "GEMINI.md"));
    equal(forged.status, "bad-signature");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
