/**
 * The bundles are build output: a launch uses one only while every file it was built
 * from is unchanged. These tests build a small tree with a bundle header and change it
 * the ways a checkout changes (touched, edited, deleted), and check the real bundles'
 * headers. The fallback itself (a launch with the bundles removed or stale) is tested on
 * a layout of the embedded set in `embedded_set_test.ts`.
 */

import { deepStrictEqual as equal, ok } from "node:assert/strict";
import { BUNDLES, bundleSources, describeInputs } from "../../scripts/build_bundles.ts";
import { BUNDLE_INPUTS_TAG, bundleStatus, parseBundleInputs } from "../../src/bundles.ts";

async function tree(): Promise<{ root: URL; bundle: URL; dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "airlock-bundle-" });
  await Deno.mkdir(`${dir}/src/cli`, { recursive: true });
  await Deno.writeTextFile(`${dir}/src/cli/a.ts`, "export const a = 1;\n");
  await Deno.writeTextFile(`${dir}/src/cli/b.ts`, "export const b = 2;\n");
  const root = new URL(`file://${dir}/`);
  const header = BUNDLE_INPUTS_TAG +
    JSON.stringify(describeInputs(["src/cli/a.ts", "src/cli/b.ts"], root));
  const bundle = new URL("src/cli/x.bundle.js", root);
  await Deno.writeTextFile(bundle, `// generated\n${header}\nconst a = 1;\n`);
  return { root, bundle, dir };
}

Deno.test("bundleStatus() accepts a bundle whose inputs are unchanged", async () => {
  const { bundle, dir } = await tree();
  try {
    equal(bundleStatus(bundle), { fresh: true });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bundleStatus() accepts an input touched without a change (checkout)", async () => {
  const { bundle, dir } = await tree();
  try {
    const later = new Date(Date.now() + 60_000);
    await Deno.utime(`${dir}/src/cli/a.ts`, later, later);
    equal(bundleStatus(bundle), { fresh: true });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bundleStatus() refuses a bundle whose input changed at the same size", async () => {
  const { bundle, dir } = await tree();
  try {
    await Deno.writeTextFile(`${dir}/src/cli/b.ts`, "export const b = 3;\n"); // same length
    // An edit after the build: the kernel's file clock ticks coarsely (a few ms), so a write
    // this soon after the header was made can carry the very same mtime.
    const later = new Date(Date.now() + 60_000);
    await Deno.utime(`${dir}/src/cli/b.ts`, later, later);
    equal(bundleStatus(bundle), { fresh: false, reason: "src/cli/b.ts changed" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bundleStatus() refuses a bundle whose input grew", async () => {
  const { bundle, dir } = await tree();
  try {
    await Deno.writeTextFile(`${dir}/src/cli/a.ts`, "export const a = 10;\n");
    equal(bundleStatus(bundle), { fresh: false, reason: "src/cli/a.ts changed" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bundleStatus() refuses a bundle whose input was removed", async () => {
  const { bundle, dir } = await tree();
  try {
    await Deno.remove(`${dir}/src/cli/a.ts`);
    equal(bundleStatus(bundle), { fresh: false, reason: "src/cli/a.ts is missing" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bundleStatus() refuses a missing bundle and one without an inputs header", async () => {
  const { root, bundle, dir } = await tree();
  try {
    equal(bundleStatus(new URL("src/cli/none.bundle.js", root)), {
      fresh: false,
      reason: "it is missing",
    });
    await Deno.writeTextFile(bundle, "// an old committed bundle\nconst a = 1;\n");
    equal(bundleStatus(bundle), { fresh: false, reason: "its header lists no inputs" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("parseBundleInputs() refuses a malformed header", () => {
  equal(parseBundleInputs(`${BUNDLE_INPUTS_TAG}[["a", 1,\nvar x;`), null);
  equal(parseBundleInputs(`${BUNDLE_INPUTS_TAG}{"a": 1}\nvar x;`), null);
});

for (const spec of BUNDLES) {
  Deno.test(`bundleSources() of ${spec.output} include its entry and no generated file but arg's`, async () => {
    const sources = await bundleSources(spec);
    ok(sources.files.includes(spec.entry));
    const generated = sources.files.filter((f) => f.endsWith(".bundle.js"));
    equal(generated, spec.output === "src/cli/fast_run.bundle.js" ? ["src/cli/arg.bundle.js"] : []);
  });
}

Deno.test("the arg bundle is built from the arg version deno.json pins", async () => {
  const spec = BUNDLES.find((b) => b.output === "src/cli/arg.bundle.js")!;
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  equal((await bundleSources(spec)).npm, [config.imports.arg.replace(/^npm:/, "")]);
});

// A launch loads these bundles; Node's compatibility layer costs ≈ 30 ms to load, so
// neither may import a `node:` module at its top level (lazily loaded modules may).
for (
  const output of [
    "src/cli/fast_run.bundle.js",
    "src/sandbox/exec_helper.bundle.js",
    "src/bridge/inside_main.bundle.js",
  ]
) {
  Deno.test(`${output} imports no node: module (a launch would load Node's compatibility layer)`, async () => {
    const text = await Deno.readTextFile(new URL(`../../${output}`, import.meta.url));
    const nodeImports = [...text.matchAll(/^import .* from "(node:[^"]+)";$/gm)].map((m) => m[1]);
    equal(nodeImports, [], "run `deno task bundle` after changing the sources");
  });
}
