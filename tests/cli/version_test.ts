/**
 * `airlock --version` names the version, commit, Deno version and target; `doctor` says
 * how this airlock was installed.
 */

import { deepStrictEqual as equal, match, ok } from "node:assert/strict";
import { runCli } from "../_cli.ts";
import { installReport } from "../../src/cli/doctor.ts";
import type { BuildInfo } from "../../src/build_info.ts";
import { VERSION } from "../../src/version.ts";

Deno.test("airlock --version prints version, commit, Deno version and target", async () => {
  const r = await runCli(["--version"]);
  equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  equal(lines[0], `airlock ${VERSION}`);
  match(r.stdout, /^commit: [0-9a-f]{7,}$/m);
  match(r.stdout, new RegExp(`^deno: ${Deno.version.deno.replaceAll(".", "\\.")}$`, "m"));
  match(r.stdout, new RegExp(`^target: ${Deno.build.target}$`, "m"));
  match(r.stdout, /^build: deno run \(source\)$/m);
  equal((await runCli(["-V"])).stdout, r.stdout);
});

Deno.test("airlock --version --json is one object; other arguments are a usage error", async () => {
  const r = await runCli(["--version", "--json"]);
  equal(r.code, 0, r.stderr);
  const info = JSON.parse(r.stdout);
  equal([info.version, info.compiled, info.target], [VERSION, false, Deno.build.target]);
  const bad = await runCli(["--version", "--yaml"]);
  equal(bad.code, 2);
  match(bad.stderr, /--version takes only --json/);
});

Deno.test("src/version.ts and deno.json agree on the version", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  equal(config.version, VERSION);
});

Deno.test("airlock doctor says it runs from source, and where", async () => {
  const r = await runCli(["doctor"]);
  match(r.stdout, /^ok\s+install\s+deno run of \/.*\/main\.ts \(deno \d/m);
});

const compiled = (executable: string): BuildInfo => ({
  version: "1.2.3",
  commit: "0123456789ab",
  deno: "2.9.6",
  target: "aarch64-apple-darwin",
  compiled: true,
  executable,
  source: null,
});

Deno.test("installReport() says where a compiled airlock is and whether PATH finds it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "airlock-doctor-" });
  try {
    await Deno.mkdir(`${dir}/bin`);
    await Deno.mkdir(`${dir}/other`);
    const binary = `${dir}/bin/airlock`;
    await Deno.writeTextFile(binary, "#!/bin/sh\n", { mode: 0o755 });
    await Deno.writeTextFile(`${dir}/other/airlock`, "#!/bin/sh\n", { mode: 0o755 });

    const onPath = installReport(compiled(binary), `/nonexistent:${dir}/bin`);
    ok(onPath.ok);
    match(
      onPath.detail,
      /compiled binary 1\.2\.3 \(0123456789ab, aarch64-apple-darwin\) at .*\/bin\/airlock, on PATH/,
    );

    const missing = installReport(compiled(binary), "/usr/bin");
    equal(missing.ok, false);
    match(missing.detail, new RegExp(`no airlock on PATH \\(add ${dir}/bin to PATH\\)`));

    const shadowed = installReport(compiled(binary), `${dir}/other:${dir}/bin`);
    equal(shadowed.ok, false);
    match(shadowed.detail, /the airlock on PATH is another: .*\/other\/airlock/);
    equal([onPath.essential, missing.essential, shadowed.essential], [false, false, false]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
