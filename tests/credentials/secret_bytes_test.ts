import assert from "node:assert/strict";
import { inspect } from "node:util";
import { REDACTED, SecretBytes } from "../../src/credentials/secret_bytes.ts";

const VALUE = "sk-never-print-me";
const make = () => new SecretBytes(new TextEncoder().encode(VALUE));

Deno.test("SecretBytes prints as [REDACTED] through every textual view", () => {
  const secret = make();
  const views = [
    Deno.inspect(secret),
    Deno.inspect({ nested: { secret } }, { depth: 10 }),
    inspect(secret),
    inspect([secret], { depth: 10, showHidden: true }),
    JSON.stringify({ secret }),
    String(secret),
    `${secret}`,
    secret + "",
  ];
  for (const view of views) {
    assert.ok(view.includes(REDACTED), view);
    assert.ok(!view.includes(VALUE), view);
    assert.ok(!view.includes("115, 107"), view); // no raw byte listing either
  }
});

Deno.test("SecretBytes console.log shows [REDACTED]", async () => {
  const script = `import { SecretBytes } from "${
    new URL("../../src/credentials/secret_bytes.ts", import.meta.url).href
  }";
    console.log(new SecretBytes(new TextEncoder().encode("${VALUE}")));
    console.error({ s: new SecretBytes(new TextEncoder().encode("${VALUE}")) });`;
  const out = await new Deno.Command(Deno.execPath(), { args: ["eval", script] }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.ok(!text.includes(VALUE.slice(3)), text);
  assert.equal(text.split(REDACTED).length - 1, 2, text);
});

Deno.test("SecretBytes use() and bytes() expose the live bytes", () => {
  const secret = make();
  assert.equal(secret.length, VALUE.length);
  assert.equal(secret.use((bytes) => new TextDecoder().decode(bytes)), VALUE);
  assert.equal(secret.bytes(), secret.bytes());
});

Deno.test("SecretBytes wipe() zeroes the bytes and later reads throw", () => {
  const bytes = new TextEncoder().encode(VALUE);
  const secret = new SecretBytes(bytes);
  secret.wipe();
  assert.ok(bytes.every((b) => b === 0));
  assert.equal(secret.length, 0);
  assert.ok(secret.wiped);
  assert.throws(() => secret.bytes(), TypeError);
  assert.throws(() => secret.use(() => 1), TypeError);
  secret.wipe(); // twice is fine
});

Deno.test("SecretBytes is wiped when a using block ends", () => {
  const bytes = new TextEncoder().encode(VALUE);
  {
    using secret = new SecretBytes(bytes);
    assert.equal(secret.length, VALUE.length);
  }
  assert.ok(bytes.every((b) => b === 0));
});

Deno.test("SecretBytes.copyOf() copies, so wiping the copy leaves the source alone", () => {
  const source = new Uint8Array([1, 2, 3]);
  const copy = SecretBytes.copyOf(source);
  copy.wipe();
  assert.deepEqual(source, new Uint8Array([1, 2, 3]));
});
