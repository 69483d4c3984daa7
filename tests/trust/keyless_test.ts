import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import crypto from "node:crypto";
import { Buffer } from "node:buffer";
import { crypto as sigstoreCrypto } from "@sigstore/core";
import {
  KeylessError,
  TRUSTED_ROOT_URL,
  trustMaterial,
  verifyKeyless,
} from "../../src/trust/keyless.ts";
import { identityMatches } from "../../src/trust/identity.ts";
import { nodeCryptoFixInstalled } from "../../src/trust/node_crypto_fix.ts";
import {
  DSSE_FIXTURES,
  fixture,
  FIXTURE_IDENTITY,
  flipBase64,
  MESSAGE_FIXTURE,
  messageArtifact,
} from "./_fixtures.ts";

/** Every fixture with the artifact it needs (DSSE bundles need none). */
const ALL: [string, Uint8Array | undefined][] = [
  ...DSSE_FIXTURES.map((n): [string, undefined] => [n, undefined]),
  [MESSAGE_FIXTURE, messageArtifact()],
];

const reason = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    ok(err instanceof KeylessError, `expected a KeylessError, got ${err}`);
    return err.message;
  }
  throw new Error("expected the bundle to be refused");
};

Deno.test("verifyKeyless() verifies all ten real bundles offline with their signer's identity", () => {
  equal(ALL.length, 10);
  for (const [name, artifact] of ALL) {
    const identity = verifyKeyless(fixture(name), artifact ? { artifact } : {});
    equal(identity.subject, FIXTURE_IDENTITY.subject, name);
    equal(identity.issuer, FIXTURE_IDENTITY.issuer, name);
    ok(identityMatches(FIXTURE_IDENTITY, identity), name);
  }
});

Deno.test("verifyKeyless() installs the node:crypto.verify default-digest fix", () => {
  verifyKeyless(fixture(DSSE_FIXTURES[0]!));
  ok(nodeCryptoFixInstalled());
});

Deno.test("node:crypto.verify() without an algorithm verifies EC signatures once fixed, as Node does", () => {
  verifyKeyless(fixture(DSSE_FIXTURES[0]!)); // installs the fix
  const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
  const data = Buffer.from("signed bytes");
  const sig = crypto.sign("sha256", data, privateKey);
  // The call shape @sigstore/core uses: no algorithm. Deno alone throws "no default digest".
  equal(crypto.verify(null, data, publicKey, sig), true);
  equal(crypto.verify(undefined as unknown as null, data, publicKey, sig), true);
  equal(sigstoreCrypto.verify(data, publicKey, sig), true);
  // The fix chooses a digest; it does not make a bad signature pass.
  const bad = Buffer.from(sig);
  bad[bad.length - 1]! ^= 1;
  equal(sigstoreCrypto.verify(data, publicKey, bad), false);
  equal(sigstoreCrypto.verify(Buffer.from("other"), publicKey, sig), false);
  // An explicit algorithm is passed through unchanged.
  equal(crypto.verify("sha384", data, publicKey, sig), false);
});

Deno.test("a real bundle fails for another identity or another issuer", () => {
  for (const [name, artifact] of ALL) {
    const identity = verifyKeyless(fixture(name), artifact ? { artifact } : {});
    ok(!identityMatches({ ...FIXTURE_IDENTITY, subject: "mallory@example.com" }, identity), name);
    ok(!identityMatches({ ...FIXTURE_IDENTITY, subject: "brian@dehamer.co" }, identity), name);
    ok(!identityMatches({ ...FIXTURE_IDENTITY, issuer: "https://accounts.google.com" }, identity));
    ok(
      !identityMatches(
        { ...FIXTURE_IDENTITY, issuer: "https://github.com/login/oauth/" },
        identity,
      ),
    );
    // A claim the certificate lacks never matches, not even "*".
    ok(!identityMatches({ ...FIXTURE_IDENTITY, repository: "*" }, identity), name);
  }
});

Deno.test("a real bundle fails with a flipped payload byte", () => {
  for (const name of DSSE_FIXTURES) {
    const bundle = fixture(name);
    bundle.dsseEnvelope.payload = flipBase64(bundle.dsseEnvelope.payload, 40);
    // The log entry records the payload's hash: the entry no longer describes this payload.
    match(
      reason(() => verifyKeyless(bundle)),
      /Rekor entry for another artifact \(DSSE payload hash mismatch\)/,
      name,
    );
  }
  const flipped = messageArtifact();
  flipped[0]! ^= 1;
  match(
    reason(() => verifyKeyless(fixture(MESSAGE_FIXTURE), { artifact: flipped })),
    /signature that does not verify/,
  );
});

Deno.test("a real bundle fails with a flipped signature byte", () => {
  for (const name of DSSE_FIXTURES) {
    const bundle = fixture(name);
    const sig = bundle.dsseEnvelope.signatures[0];
    sig.sig = flipBase64(sig.sig, -1);
    // The log entry records the signature: a changed signature no longer matches it.
    match(
      reason(() => verifyKeyless(bundle)),
      /Rekor entry for another artifact \(tlog entry signature mismatch\)/,
      name,
    );
  }
  const bundle = fixture(MESSAGE_FIXTURE);
  bundle.messageSignature.signature = flipBase64(bundle.messageSignature.signature, -1);
  match(
    reason(() => verifyKeyless(bundle, { artifact: messageArtifact() })),
    /another artifact|signature|timestamp/,
  );
});

Deno.test("a real bundle fails with its transparency log entry removed", () => {
  for (const [name, artifact] of ALL) {
    const bundle = fixture(name);
    bundle.verificationMaterial.tlogEntries = [];
    match(
      reason(() => verifyKeyless(bundle, artifact ? { artifact } : {})),
      /Rekor|timestamp|bundle/,
      name,
    );
  }
});

Deno.test("the message-signature bundle fails for another artifact", () => {
  const other = new TextEncoder().encode("hello, world?");
  match(
    reason(() => verifyKeyless(fixture(MESSAGE_FIXTURE), { artifact: other })),
    /signature that does not verify/,
  );
});

Deno.test("a certificate outside its authority's validity at the signed time is refused", () => {
  const root = JSON.parse(Deno.readTextFileSync(TRUSTED_ROOT_URL));
  for (const ca of root.certificateAuthorities) ca.validFor = { start: "2030-01-01T00:00:00Z" };
  match(
    reason(() => verifyKeyless(fixture("bundleV03-dsse.sigstore"), { trustedRoot: root })),
    /certificate that does not chain to Sigstore's root at the signed time/,
  );
});

Deno.test("verifyKeyless() refuses malformed and keyed bundles with one phrase", () => {
  const cases: [string, unknown, RegExp][] = [
    ["not an object", "x", /not a valid Sigstore bundle/],
    [
      "no media type",
      { ...fixture("bundleV03-dsse.sigstore"), mediaType: undefined },
      /not a valid Sigstore bundle/,
    ],
    [
      "keyed",
      {
        ...fixture("bundleV03-dsse.sigstore"),
        verificationMaterial: { publicKey: { hint: "ab" }, tlogEntries: [] },
      },
      /key, not a certificate|not a valid/,
    ],
  ];
  for (const [label, bundle, want] of cases) {
    match(reason(() => verifyKeyless(bundle)), want, label);
  }
  throws(() => verifyKeyless(null), KeylessError);
});

Deno.test("identityOf() reads no workflow claims from a certificate that has none", () => {
  const identity = verifyKeyless(fixture("bundleV03-intoto.sigstore"));
  deepEqual([identity.repository, identity.workflow, identity.ref], ["", "", ""]);
});

Deno.test("the CA signature cache keeps every answer: a CA certificate does not verify under the wrong issuer", () => {
  const material = trustMaterial();
  const chain = material.certificateAuthorities.find((ca) => ca.certChain.length >= 2)!.certChain;
  const [intermediate, root] = [chain[0]!, chain[chain.length - 1]!];
  for (let i = 0; i < 2; i++) { // the second round is answered from the cache
    equal(intermediate.verify(root), true);
    equal(root.verify(), true);
    equal(root.verify(intermediate), false);
    equal(intermediate.verify(), false);
  }
  verifyKeyless(fixture("bundleV03-dsse.sigstore")); // and bundles still verify through it
});
