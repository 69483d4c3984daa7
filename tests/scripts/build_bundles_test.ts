import { equal } from "node:assert/strict";
import { buildBundle, BUNDLES, bundleUrl } from "../../scripts/build_bundles.ts";

for (const spec of BUNDLES) {
  Deno.test(
    `${spec.output} matches a fresh build (rebuild: deno run -A scripts/build_bundles.ts)`,
    async () => {
      const committed = await Deno.readTextFile(bundleUrl(spec));
      equal(committed === await buildBundle(spec), true);
    },
  );
}
