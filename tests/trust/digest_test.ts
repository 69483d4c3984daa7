/**
 * The synchronous SHA-256 the trust step uses (`@noble/hashes`) against WebCrypto's, over
 * every length around the block boundaries and a large random input.
 */

import { equal } from "node:assert/strict";
import { sha256Hex } from "../../src/trust/digest.ts";

async function webCrypto(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)).toHex();
}

Deno.test("sha256Hex() equals WebCrypto's SHA-256 for lengths 0–300 and 1 MiB", async () => {
  const random = new Uint8Array(1 << 20);
  for (let off = 0; off < random.length; off += 65536) {
    crypto.getRandomValues(random.subarray(off, off + 65536));
  }
  for (let n = 0; n <= 300; n++) {
    const bytes = random.slice(0, n);
    equal(sha256Hex(bytes), await webCrypto(bytes), `length ${n}`);
  }
  equal(sha256Hex(random), await webCrypto(random));
  equal(
    sha256Hex(new TextEncoder().encode("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});
