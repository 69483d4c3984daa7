/**
 * Test helpers for the Sigstore fixtures (`tests/trust/fixtures/`, real public-good bundles
 * from sigstore-js) and small tree builders.
 *
 * @module
 */

/** The fixtures directory. */
export const FIXTURES = new URL("./fixtures/", import.meta.url);

/** The nine DSSE bundles (v0.1–v0.3, Rekor v1). */
export const DSSE_FIXTURES = [
  "bundleV01-dsse-no-proof.sigstore",
  "bundleV01-dsse-with-proof.sigstore",
  "bundleV01-full-cert-chain.sigstore",
  "bundleV01-intoto-no-proof.sigstore",
  "bundleV01-intoto-with-proof.sigstore",
  "bundleV02-dsse.sigstore",
  "bundleV02-intoto.sigstore",
  "bundleV03-dsse.sigstore",
  "bundleV03-intoto.sigstore",
];

/** The message-signature bundle (Rekor v2, RFC 3161 timestamp) and its artifact. */
export const MESSAGE_FIXTURE = "rekor-v2-message-signature.sigstore.json";

/** The identity every fixture was signed with. */
export const FIXTURE_IDENTITY = {
  subject: "brian@dehamer.com",
  issuer: "https://github.com/login/oauth",
};

/** A fixture bundle as JSON (a fresh copy each call). */
// deno-lint-ignore no-explicit-any
export function fixture(name: string): any {
  return JSON.parse(Deno.readTextFileSync(new URL(name, FIXTURES)));
}

/** The bytes the message-signature fixture signs. */
export function messageArtifact(): Uint8Array<ArrayBuffer> {
  return Deno.readFileSync(new URL("rekor-v2-message-signature.artifact", FIXTURES));
}

/** Flips one bit of the byte at `index` (negative: from the end) of a base64 value. */
export function flipBase64(text: string, index: number): string {
  const bytes = Uint8Array.fromBase64(text);
  const at = index < 0 ? bytes.length + index : index;
  bytes[at] = bytes[at]! ^ 1;
  return bytes.toBase64();
}

/** A temporary directory under /var/tmp (not /tmp: the default profile grants /tmp). */
export async function tempDir(prefix: string): Promise<string> {
  return await Deno.realPath(await Deno.makeTempDir({ dir: "/var/tmp", prefix }));
}

/** Writes files (relative path → contents) under `root`, creating directories. */
export function writeTree(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const path = `${root}/${rel}`;
    Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    Deno.writeTextFileSync(path, text);
  }
}
