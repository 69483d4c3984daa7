/**
 * Response scrubbing, unit level: every form of a secret is found and replaced by the
 * same form of the phantom token, across every chunk boundary, and nothing else changes.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { secretForms } from "../../src/proxy/scrub/secret_forms.ts";
import { scrubText, StreamScrubber } from "../../src/proxy/scrub/scrubber.ts";
import { decodePlan } from "../../src/proxy/scrub/content_decoding.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const SECRET = "sk-proj-REAL+/key_0123456789abcdefXYZ";
const TOKEN = "sk-proj-airlock-phantom-00000000000000";
const forms = secretForms(enc.encode(SECRET), TOKEN);

function b64(s: string): string {
  return btoa(s);
}

/** Each way an echoing upstream could hand the secret back. */
const ENCODED: Record<string, string> = {
  raw: `{"echo":"Bearer ${SECRET}"}`,
  basic: `Authorization: Basic ${b64(`x-access-token:${SECRET}`)}`,
  base64at0: b64(SECRET),
  base64at1: b64(`a${SECRET}`),
  base64at2: b64(`ab${SECRET}`),
  base64url: b64(`ab${SECRET}`).replaceAll("+", "-").replaceAll("/", "_"),
  uriComponent: `?key=${encodeURIComponent(SECRET)}`,
  percentUpper: [...enc.encode(SECRET)].map((b) =>
    "%" + b.toString(16).toUpperCase().padStart(2, "0")
  ).join(""),
  percentLower: [...enc.encode(SECRET)].map((b) => "%" + b.toString(16).padStart(2, "0")).join(""),
};

/** Whether a text still reveals the secret in any of the forms. */
function reveals(text: string): boolean {
  for (const form of forms.forms) if (text.includes(form)) return true;
  return false;
}

Deno.test("each encoded form of the secret is found in a whole text", () => {
  for (const [name, text] of Object.entries(ENCODED)) {
    const out = scrubText(forms, text);
    assert(out.hits >= 1, `${name}: not found in ${text}`);
    assert(!reveals(out.text), `${name}: still there: ${out.text}`);
  }
});

Deno.test("the raw secret is replaced by the phantom token and base64 by its base64", () => {
  assertEquals(scrubText(forms, `a ${SECRET} b`).text, `a ${TOKEN} b`);
  // Base64 of the secret becomes the base64 of the phantom token (whole base64
  // characters only: when the lengths differ, the text around may no longer decode).
  const out = scrubText(forms, b64(`user:${SECRET}`)).text;
  assert(out.startsWith(b64(`user:${TOKEN}`).slice(0, 48)), out);
  assert(!reveals(out));
});

Deno.test("a secret split at every chunk boundary is still replaced", () => {
  const text = `data: {"a":"${SECRET}","b":"${b64(`u:${SECRET}`)}"}\n\n`;
  const whole = scrubText(forms, text).text;
  for (let cut = 0; cut <= text.length; cut++) {
    for (const second of [cut, Math.min(text.length, cut + 7)]) {
      const s = new StreamScrubber(forms);
      const parts = [text.slice(0, cut), text.slice(cut, second), text.slice(second)];
      const out = parts.map((p) => dec.decode(s.push(enc.encode(p)))).join("") +
        dec.decode(s.flush());
      assertEquals(out, whole, `cut at ${cut}/${second}`);
      assertEquals(s.hits, 2);
    }
  }
});

Deno.test("one byte per chunk: the secret never leaves in pieces", () => {
  const s = new StreamScrubber(forms);
  let out = "";
  for (const byte of enc.encode(`x${SECRET}y`)) out += dec.decode(s.push(new Uint8Array([byte])));
  out += dec.decode(s.flush());
  assertEquals(out, `x${TOKEN}y`);
});

Deno.test("an SSE event ending in a blank line is passed on at once, not held back", () => {
  const s = new StreamScrubber(forms);
  const event = enc.encode(`data: {"delta":"hello sk-"}\n\n`);
  assertEquals(s.push(event), event);
  const tail = enc.encode(`data: {"delta":"sk-pro`);
  // Only the tail that could start a form waits ("sk-pro", 6 bytes).
  assertEquals(dec.decode(s.push(tail)), `data: {"delta":"`);
  assertEquals(dec.decode(s.flush()), "sk-pro");
});

Deno.test("text without the secret passes byte for byte (all 256 byte values)", () => {
  const bytes = new Uint8Array(4096);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 0xff;
  const s = new StreamScrubber(forms);
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 100) out.push(...s.push(bytes.subarray(i, i + 100)));
  out.push(...s.flush());
  assertEquals(new Uint8Array(out), bytes);
  assertEquals(s.hits, 0);
});

Deno.test("header values that are byte strings are compared byte for byte", () => {
  const value = `\u00e9 ${SECRET} \u00ff`;
  assertEquals(scrubText(forms, value).text, `\u00e9 ${TOKEN} \u00ff`);
});

Deno.test("content codings: decodable ones in reverse order, others refused", () => {
  assertEquals(decodePlan(null), { ok: true, formats: [] });
  assertEquals(decodePlan("identity"), { ok: true, formats: [] });
  assertEquals(decodePlan("gzip, gzip"), { ok: true, formats: ["gzip", "gzip"] });
  assertEquals(decodePlan("deflate, br"), { ok: true, formats: ["brotli", "deflate"] });
  assertEquals(decodePlan("X-Gzip"), { ok: true, formats: ["gzip"] });
  assertEquals(decodePlan("gzip, zstd"), { ok: false, coding: "zstd" });
  assertEquals(decodePlan("compress"), { ok: false, coding: "compress" });
});

/** A small deterministic generator (xorshift32), so a failure can be replayed by its seed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

Deno.test("sampled chunks: every form at every position and split is still replaced (2,000 random cases)", () => {
  const next = rng(0x5eed);
  const int = (n: number) => Math.floor(next() * n);
  let sampled = 0;
  for (let c = 0; c < 2000; c++) {
    // Secrets from 18 bytes (forms too short to sample) to 90 (long base64 and percent forms).
    const secret = Uint8Array.from({ length: 18 + int(73) }, () => 0x21 + int(94));
    const f = secretForms(secret, "sk-airlock-phantom-" + "0".repeat(20));
    if (f.sampler) sampled++;
    const form = f.formBytes[int(f.formBytes.length)]!;
    const filler = () => Uint8Array.from({ length: int(3000) }, () => int(256));
    const before = filler();
    const after = filler();
    const body = new Uint8Array(before.length + form.length + after.length);
    body.set(before);
    body.set(form, before.length);
    body.set(after, before.length + form.length);
    const s = new StreamScrubber(f);
    const out: number[] = [];
    for (let at = 0; at < body.length;) {
      const n = 1 + int(next() < 0.5 ? 64 : 4096);
      out.push(...s.push(body.subarray(at, at + n)));
      at += n;
    }
    out.push(...s.flush());
    const text = new TextDecoder("latin1").decode(Uint8Array.from(out));
    assert(s.hits >= 1, `case ${c}: nothing replaced (form of ${form.length} bytes)`);
    for (const each of f.forms) assert(!text.includes(each), `case ${c}: a form passed`);
  }
  assert(sampled > 1000, `only ${sampled} cases used the sampler`);
});
