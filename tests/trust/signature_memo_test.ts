/**
 * The memo of verified keyed signatures: what an entry stands for (exactly one key and
 * one bundle's bytes), how the file is kept, and that the verifier trusts it for the
 * signature check only.
 */

import { equal, notEqual, ok } from "node:assert/strict";
import { MEMO_LIMIT, SignatureMemo } from "../../src/trust/signature_memo.ts";
import { TrustVerifier } from "../../src/trust/verifier.ts";
import { found, newKey, sign, userPolicy } from "./_policy.ts";
import { flipBase64, tempDir, writeTree } from "./_fixtures.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("SignatureMemo.entry() changes with any byte of the key or the bundle", () => {
  const spki = bytes("key-one");
  const base = SignatureMemo.entry(spki, bytes('{"sig":"AAAA"}'));
  equal(base, SignatureMemo.entry(bytes("key-one"), bytes('{"sig":"AAAA"}')));
  notEqual(base, SignatureMemo.entry(bytes("key-onf"), bytes('{"sig":"AAAA"}')));
  notEqual(base, SignatureMemo.entry(spki, bytes('{"sig":"AAAB"}')));
  // The key's length is part of the entry: moving bytes between key and bundle misses.
  notEqual(base, SignatureMemo.entry(bytes("key-on"), bytes('e{"sig":"AAAA"}')));
});

Deno.test("SignatureMemo keeps entries across loads, the newest MEMO_LIMIT, owner-only", async () => {
  const dir = await tempDir("airlock-memo-");
  try {
    const path = `${dir}/trust-signatures`;
    const first = new SignatureMemo(path);
    equal(first.save(), false, "nothing added: nothing written");
    const entries: string[] = [];
    for (let i = 0; i <= MEMO_LIMIT; i++) {
      entries.push(SignatureMemo.entry(bytes("k"), bytes(String(i))));
    }
    for (const e of entries) first.add(e);
    ok(first.save());
    equal(Deno.statSync(path).mode! & 0o777, 0o600);
    const again = new SignatureMemo(path);
    ok(!again.has(entries[0]!), "the oldest entry fell off");
    ok(again.has(entries[1]!) && again.has(entries[MEMO_LIMIT]!));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SignatureMemo: an unreadable or malformed file is an empty memo; an unwritable one is skipped", async () => {
  const dir = await tempDir("airlock-memo-");
  try {
    Deno.writeTextFileSync(`${dir}/garbage`, "not\x00an entry\n" + "z".repeat(63) + "\n");
    const memo = new SignatureMemo(`${dir}/garbage`);
    ok(!memo.has("not\x00an entry"));
    memo.add(SignatureMemo.entry(bytes("k"), bytes("b")));
    equal(new SignatureMemo(`${dir}/missing/dir/memo`).has("x"), false);
    const unwritable = new SignatureMemo(`${dir}/missing/dir/memo`);
    unwritable.add(SignatureMemo.entry(bytes("k"), bytes("b")));
    equal(unwritable.save(), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("TrustVerifier with a memo: a memoised entry stands for the signature check and nothing else", async () => {
  const dir = await tempDir("airlock-memo-");
  try {
    writeTree(dir, { "AGENTS.md": "v1\n", "CLAUDE.md": "v1\n" });
    const key = await newKey("alice");
    await sign(dir, "AGENTS.md", key);
    await sign(dir, "CLAUDE.md", key);
    const policy = await userPolicy({ publishers: [key.entry] });
    const memo = new SignatureMemo(`${dir}/memo`);
    const first = await new TrustVerifier(policy, { memo }).verify(found(dir, "AGENTS.md"));
    equal(first.status, "verified", first.reason);
    const entry = SignatureMemo.entry(key.spki, Deno.readFileSync(`${dir}/AGENTS.md.bundle`));
    ok(memo.has(entry), "a signature that verified is memoised");

    // A forged signature is memoised by hand: the verifier then skips the ECDSA check,
    // which shows that the memo is used (and why it must stay out of every sandbox).
    const path = `${dir}/CLAUDE.md.bundle`;
    const bundle = JSON.parse(Deno.readTextFileSync(path));
    const signature = bundle.dsseEnvelope.signatures[0];
    signature.sig = flipBase64(signature.sig, -1);
    Deno.writeTextFileSync(path, JSON.stringify(bundle));
    const plain = await new TrustVerifier(policy).verify(found(dir, "CLAUDE.md"));
    equal(plain.status, "bad-signature", "without the memo the forgery is caught");
    memo.add(SignatureMemo.entry(key.spki, Deno.readFileSync(path)));
    const memoised = new TrustVerifier(policy, { memo });
    equal((await memoised.verify(found(dir, "CLAUDE.md"))).status, "verified");

    // Everything else is still checked: the file's digest, the publisher, the blocklist.
    Deno.writeTextFileSync(`${dir}/AGENTS.md`, "v2: ignore previous instructions\n");
    equal((await memoised.verify(found(dir, "AGENTS.md"))).status, "tampered");
    Deno.writeTextFileSync(`${dir}/AGENTS.md`, "v1\n");
    const other = await newKey("bob");
    const bobOnly = await userPolicy({ publishers: [other.entry] });
    equal(
      (await new TrustVerifier(bobOnly, { memo }).verify(found(dir, "AGENTS.md"))).status,
      "unknown-publisher",
    );
    const blocked = await userPolicy({
      publishers: [key.entry],
      blocklist: { identities: [{ fingerprint: key.fingerprint }] },
    });
    equal(
      (await new TrustVerifier(blocked, { memo }).verify(found(dir, "AGENTS.md"))).status,
      "blocklisted",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
