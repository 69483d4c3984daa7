import assert from "node:assert/strict";
import { ByteBuffer } from "../../src/credentials/byte_buffer.ts";

const bytesOf = (text: string) => new TextEncoder().encode(text);
const textOf = (buffer: ByteBuffer, trimNewline = false) => {
  using secret = buffer.take({ trimNewline });
  return new TextDecoder().decode(secret.bytes().slice());
};

Deno.test("ByteBuffer collects chunks past its initial size", () => {
  const buffer = new ByteBuffer();
  const chunk = "x".repeat(100);
  for (let i = 0; i < 50; i++) buffer.push(bytesOf(chunk));
  assert.equal(buffer.length, 5000);
  assert.equal(textOf(buffer), chunk.repeat(50));
  assert.equal(buffer.length, 0);
});

const trims: Array<[string, string]> = [
  ["abc\n", "abc"],
  ["abc\r\n", "abc"],
  ["abc\n\n", "abc\n"],
  ["abc", "abc"],
  ["\n", ""],
  ["abc\r", "abc\r"],
];
for (const [input, expected] of trims) {
  Deno.test(`ByteBuffer take() trims one newline: ${JSON.stringify(input)}`, () => {
    const buffer = new ByteBuffer();
    buffer.push(bytesOf(input));
    assert.equal(textOf(buffer, true), expected);
  });
}

Deno.test("ByteBuffer popCharacter() drops a whole UTF-8 character", () => {
  const buffer = new ByteBuffer();
  buffer.push(bytesOf("aé€"));
  buffer.popCharacter();
  buffer.popCharacter();
  assert.equal(textOf(buffer), "a");
  buffer.popCharacter(); // on empty: nothing
  assert.equal(buffer.length, 0);
});
