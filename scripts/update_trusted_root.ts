/**
 * Updates the vendored Sigstore trusted root, `policies/trust/sigstore_trusted_root.json`,
 * which keyless verification uses offline.
 *
 * Sources, in order of preference:
 *
 * - `--from FILE`: a `trusted_root.json` you obtained through a TUF client (for example
 *   `sigstore-python`'s or `cosign`'s cache), or a `seeds.json` of `@sigstore/tuf`;
 * - otherwise the `trusted_root.json` target embedded in the newest `@sigstore/tuf` npm
 *   package (fetched with `npm pack`, which checks the registry's integrity hash; the
 *   package is published with provenance).
 *
 * The file is parsed and turned into trust material by `@sigstore/verify` before it is
 * written (atomically). Then run `deno test -A tests/trust/` — the expiry test must pass —
 * and commit the file with the source in the message.
 *
 * Usage: `deno run -A scripts/update_trusted_root.ts [--from FILE] [--package @sigstore/tuf@VERSION]`
 *
 * @module
 */

import { parseArgs } from "node:util";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { toTrustMaterial } from "@sigstore/verify";
import { writeFileAtomic } from "../src/trust/atomic_write.ts";
import { sha256Hex } from "../src/trust/digest.ts";

const TARGET = new URL("../policies/trust/sigstore_trusted_root.json", import.meta.url);
const TUF_REPO = "https://tuf-repo-cdn.sigstore.dev";

/**
 * Extracts the trusted root from a `trusted_root.json` or an `@sigstore/tuf` `seeds.json`.
 *
 * @param text The file's text.
 * @returns The trusted root's bytes.
 * @throws {Error} When the file is neither.
 */
export function trustedRootFrom(text: string): Uint8Array<ArrayBuffer> {
  const doc = JSON.parse(text);
  if (typeof doc.mediaType === "string" && doc.mediaType.includes("trustedroot")) {
    return new TextEncoder().encode(text);
  }
  const seeded = doc[TUF_REPO]?.targets?.["trusted_root.json"];
  if (typeof seeded === "string") return Uint8Array.fromBase64(seeded);
  throw new Error(
    "Cannot find a trusted root: the file is neither trusted_root.json nor seeds.json",
  );
}

async function fromNpm(spec: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "airlock-tuf-" });
  try {
    const pack = await new Deno.Command("npm", {
      args: ["pack", spec, "--silent", "--pack-destination", dir],
      stdout: "piped",
    }).output();
    if (!pack.success) throw new Error(`Cannot fetch ${spec}: npm pack failed`);
    const tarball = new TextDecoder().decode(pack.stdout).trim().split("\n").at(-1)!;
    const untar = await new Deno.Command("tar", {
      args: ["xzf", `${dir}/${tarball}`, "-C", dir, "package/seeds.json"],
    }).output();
    if (!untar.success) throw new Error(`Cannot unpack ${tarball}`);
    return await Deno.readTextFile(`${dir}/package/seeds.json`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      from: { type: "string" },
      package: { type: "string", default: "@sigstore/tuf@latest" },
    },
  });
  const text = values.from ? await Deno.readTextFile(values.from) : await fromNpm(values.package);
  const bytes = trustedRootFrom(text);
  const root = JSON.parse(new TextDecoder().decode(bytes));
  const material = toTrustMaterial(TrustedRoot.fromJSON(root)); // throws when malformed
  writeFileAtomic(TARGET.pathname, bytes, 0o644);
  console.log(`wrote ${TARGET.pathname} (sha256 ${sha256Hex(bytes)})`);
  console.log(
    `  ${material.tlogs.length} transparency logs, ${material.certificateAuthorities.length} CAs, ${material.ctlogs.length} CT logs, ${material.timestampAuthorities.length} TSAs`,
  );
  console.log("next: deno test -A tests/trust/ (the expiry test must pass), then commit it");
}
