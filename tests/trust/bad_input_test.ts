import { equal, match, ok } from "node:assert/strict";
import { verdictLine } from "../../src/trust/session.ts";
import { TrustVerifier } from "../../src/trust/verifier.ts";
import { found, newKey, sign, userPolicy } from "./_policy.ts";
import { fixture, FIXTURE_IDENTITY, tempDir, writeTree } from "./_fixtures.ts";

const KEYLESS_PUBLISHER = { type: "keyless", name: "brian", ...FIXTURE_IDENTITY };

/** Each case rewrites the bundle of a correctly signed CLAUDE.md. */
// deno-lint-ignore no-explicit-any
type Edit = (bundle: any, text: string) => string;

// deno-lint-ignore no-explicit-any
const json = (f: (b: any) => void): Edit => (b) => {
  f(b);
  return JSON.stringify(b);
};

Deno.test("TrustVerifier gives one line naming the file and the reason for each bad bundle", async () => {
  const cases: [string, Edit, string, RegExp][] = [
    ["not JSON", () => "{ nope", "invalid-bundle", /CLAUDE\.md\.bundle is not JSON$/],
    ["an array", () => "[]", "invalid-bundle", /is not a JSON object/],
    [
      "unknown media type",
      json((b) => (b.mediaType = "application/vnd.dev.sigstore.bundle.v9+json")),
      "invalid-bundle",
      /has an unknown media type "application\/vnd\.dev\.sigstore\.bundle\.v9\+json"/,
    ],
    [
      "missing signature",
      json((b) => (b.dsseEnvelope.signatures = [])),
      "invalid-bundle",
      /has no signature/,
    ],
    [
      "extra signature",
      json((b) => b.dsseEnvelope.signatures.push(b.dsseEnvelope.signatures[0])),
      "invalid-bundle",
      /has 2 signatures: airlock accepts exactly one/,
    ],
    ["no envelope", json((b) => delete b.dsseEnvelope), "invalid-bundle", /has no DSSE envelope/],
    [
      "message signature",
      json((b) => (b.messageSignature = { signature: "AA==" })),
      "invalid-bundle",
      /message signature, which does not name the file/,
    ],
    [
      "payload not base64",
      json((b) => (b.dsseEnvelope.payload = "*")),
      "invalid-bundle",
      /payload that is not base64/,
    ],
    [
      "wrong payload type",
      json((b) => (b.dsseEnvelope.payloadType = "text/plain")),
      "invalid-bundle",
      /has payload type "text\/plain"/,
    ],
    [
      "hint not a fingerprint",
      json((b) => (b.verificationMaterial.publicKey.hint = "alice")),
      "invalid-bundle",
      /hint that is not a hex SHA-256/,
    ],
    [
      "no verification material",
      json((b) => (b.verificationMaterial = {})),
      "invalid-bundle",
      /neither a public key hint nor a certificate/,
    ],
    [
      "signature not base64",
      json((b) => (b.dsseEnvelope.signatures[0].sig = "!!")),
      "invalid-bundle",
      /signature that is not base64/,
    ],
  ];
  const dir = await tempDir("airlock-trust-");
  try {
    const key = await newKey();
    const verifier = new TrustVerifier(await userPolicy({ publishers: [key.entry] }));
    for (const [label, edit, status, reason] of cases) {
      writeTree(dir, { "CLAUDE.md": "rules\n" });
      await sign(dir, "CLAUDE.md", key);
      const path = `${dir}/CLAUDE.md.bundle`;
      const text = Deno.readTextFileSync(path);
      Deno.writeTextFileSync(path, edit(JSON.parse(text), text));
      const verdict = await verifier.verify(found(dir, "CLAUDE.md"));
      equal(verdict.status, status, label);
      match(verdict.reason, reason, label);
      const line = verdictLine(verdict);
      ok(
        !line.includes("\n") && line.startsWith("airlock: trust: CLAUDE.md: "),
        `${label}: ${line}`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("TrustVerifier: a real keyless bundle for another statement is refused after the library accepts it", async () => {
  const dir = await tempDir("airlock-trust-");
  try {
    writeTree(dir, { "CLAUDE.md": "rules\n" });
    Deno.writeTextFileSync(
      `${dir}/CLAUDE.md.bundle`,
      JSON.stringify(fixture("bundleV03-dsse.sigstore")),
    );
    const trusted = new TrustVerifier(await userPolicy({ publishers: [KEYLESS_PUBLISHER] }));
    const verdict = await trusted.verify(found(dir, "CLAUDE.md"));
    // Signature, certificate, log and identity pass; the statement is not airlock's.
    equal(verdict.status, "invalid-bundle", verdict.reason);
    match(
      verdict.reason,
      /the statement type is "https:\/\/in-toto\.io\/Statement\/v0\.1", not in-toto v1/,
    );
    equal(verdict.signer, "brian@dehamer.com (issuer https://github.com/login/oauth)");
    const stranger = new TrustVerifier(
      await userPolicy({ publishers: [{ ...KEYLESS_PUBLISHER, subject: "someone@example.com" }] }),
    );
    equal((await stranger.verify(found(dir, "CLAUDE.md"))).status, "unknown-publisher");
    const blocked = new TrustVerifier(
      await userPolicy({
        publishers: [KEYLESS_PUBLISHER],
        blocklist: { identities: [{ issuer: FIXTURE_IDENTITY.issuer, subject: "*" }] },
      }),
    );
    equal((await blocked.verify(found(dir, "CLAUDE.md"))).status, "blocklisted");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("TrustVerifier: a tampered keyless bundle is refused with the library's reason", async () => {
  const dir = await tempDir("airlock-trust-");
  try {
    writeTree(dir, { "CLAUDE.md": "rules\n" });
    const bundle = fixture("bundleV02-dsse.sigstore");
    bundle.verificationMaterial.tlogEntries = [];
    Deno.writeTextFileSync(`${dir}/CLAUDE.md.bundle`, JSON.stringify(bundle));
    const verdict = await new TrustVerifier(await userPolicy({ publishers: [KEYLESS_PUBLISHER] }))
      .verify(found(dir, "CLAUDE.md"));
    equal(verdict.status, "invalid-bundle");
    match(
      verdict.reason,
      /^CLAUDE\.md\.bundle (lacks a usable Rekor entry|has no verifiable signing time)/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("TrustVerifier: an unsigned file and an unreadable one are not trusted", async () => {
  const dir = await tempDir("airlock-trust-");
  try {
    writeTree(dir, { "AGENTS.md": "x\n" });
    const verifier = new TrustVerifier(await userPolicy({}));
    const unsigned = await verifier.verify(found(dir, "AGENTS.md"));
    equal(unsigned.status, "unsigned");
    equal(unsigned.reason, "has no AGENTS.md.bundle (sign it with `airlock trust sign`)");
    equal((await verifier.verify(found(dir, "GONE.md"))).status, "unreadable");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
