import { ok } from "node:assert/strict";
import { X509Certificate } from "@sigstore/core";
import { TRUSTED_ROOT_URL, trustMaterial } from "../../src/trust/keyless.ts";

/** How long before an expiry this test starts failing, so the update happens in time. */
const MARGIN_DAYS = 60;

interface ValidFor {
  start?: string;
  end?: string;
}
interface Authority {
  baseUrl?: string;
  uri?: string;
  validFor?: ValidFor;
  publicKey?: { validFor?: ValidFor };
  certChain?: { certificates: { rawBytes: string }[] };
}

Deno.test("the vendored trusted root is not within 60 days of expiry of any key it needs", () => {
  const root = JSON.parse(Deno.readTextFileSync(TRUSTED_ROOT_URL));
  const now = Date.now();
  const deadline = now + MARGIN_DAYS * 24 * 3600 * 1000;
  const problems: string[] = [];
  let active = 0;
  const groups: [string, Authority[]][] = [
    ["tlogs", root.tlogs],
    ["ctlogs", root.ctlogs],
    ["certificateAuthorities", root.certificateAuthorities],
    ["timestampAuthorities", root.timestampAuthorities],
  ];
  for (const [group, authorities] of groups) {
    let activeInGroup = 0;
    for (const a of authorities) {
      const validFor = a.validFor ?? a.publicKey?.validFor ?? {};
      const end = validFor.end ? Date.parse(validFor.end) : Infinity;
      if (end < now) continue; // retired: only verifies old signatures, at their signed time
      activeInGroup++;
      const name = `${group} ${a.baseUrl ?? a.uri}`;
      if (end < deadline) problems.push(`${name} stops being valid on ${validFor.end}`);
      for (const c of a.certChain?.certificates ?? []) {
        const cert = X509Certificate.parse(Uint8Array.fromBase64(c.rawBytes) as never);
        if (cert.notAfter.getTime() < deadline) {
          problems.push(
            `${name}: certificate ${cert.subject} expires ${cert.notAfter.toISOString()}`,
          );
        }
      }
    }
    if (activeInGroup === 0) problems.push(`${group}: no authority is valid now`);
    active += activeInGroup;
  }
  ok(
    problems.length === 0,
    `update policies/trust/sigstore_trusted_root.json (docs/trust.md, "Updating the trusted root"): ${
      problems.join("; ")
    }`,
  );
  ok(active >= 4);
});

Deno.test("the vendored trusted root loads as trust material", () => {
  const material = trustMaterial();
  ok(material.tlogs.length >= 2 && material.certificateAuthorities.length >= 1);
  ok(material.timestampAuthorities.length >= 1 && material.ctlogs.length >= 1);
});

Deno.test("trustedRootFrom() takes a trusted_root.json as is, or the target inside @sigstore/tuf's seeds.json", async () => {
  const { trustedRootFrom } = await import("../../scripts/update_trusted_root.ts");
  const bytes = Deno.readFileSync(TRUSTED_ROOT_URL);
  const text = new TextDecoder().decode(bytes);
  ok(trustedRootFrom(text).every((b, i) => b === bytes[i]));
  const seeds = JSON.stringify({
    "https://tuf-repo-cdn.sigstore.dev": {
      "root.json": "",
      targets: { "trusted_root.json": bytes.toBase64() },
    },
  });
  const extracted = trustedRootFrom(seeds);
  ok(extracted.length === bytes.length && extracted.every((b, i) => b === bytes[i]));
  let refused = false;
  try {
    trustedRootFrom("{}");
  } catch {
    refused = true;
  }
  ok(refused);
});
