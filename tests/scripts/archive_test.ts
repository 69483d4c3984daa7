/**
 * `scripts/build.ts archive`: one `airlock-VERSION-TARGET.tar.gz` per target holding
 * `airlock-VERSION-TARGET/{airlock,README.md,LICENSE}` (the binary executable, owner 0,
 * mtime 0, so a rebuild is byte-identical), and a `SHA256SUMS` that `sha256sum -c` accepts.
 */

import { deepStrictEqual as equal, match, rejects } from "node:assert/strict";
import { archive, TARGETS } from "../../scripts/build.ts";
import { VERSION } from "../../src/version.ts";
import { runProcess } from "../_process.ts";

async function binaries(dir: string): Promise<void> {
  await Deno.mkdir(`${dir}/docs`);
  await Deno.writeTextFile(`${dir}/docs/README.md`, "readme\n");
  await Deno.writeTextFile(`${dir}/docs/LICENSE`, "license\n");
  for (const target of Object.keys(TARGETS)) {
    await Deno.writeTextFile(`${dir}/airlock-${target}`, `binary for ${target}\n`);
  }
}

Deno.test("archive() packs each target reproducibly and writes SHA256SUMS", async () => {
  const dir = await Deno.makeTempDir({ prefix: "airlock-archive-" });
  try {
    await binaries(dir);
    const names = await archive(VERSION, dir, { docs: `${dir}/docs` });
    equal(names, Object.keys(TARGETS).map((t) => `airlock-${VERSION}-${t}.tar.gz`));
    const listing = await runProcess("tar", ["-tvzf", `${dir}/${names[0]}`]);
    const top = `airlock-${VERSION}-x86_64-linux`;
    const lines = listing.stdout.trim().split("\n");
    equal(lines.map((l) => l.split(/\s+/).at(-1)), [
      `${top}/`,
      `${top}/LICENSE`,
      `${top}/README.md`,
      `${top}/airlock`,
    ]);
    match(lines[3]!, /^-rwxr-xr-x 0\/0 .* 1970-01-01 00:00 /);
    const check = await runProcess("sha256sum", ["-c", "SHA256SUMS"], { cwd: dir });
    equal(check.code, 0, check.stdout + check.stderr);
    const first = await Deno.readTextFile(`${dir}/SHA256SUMS`);
    await archive(VERSION, dir, { docs: `${dir}/docs` });
    equal(await Deno.readTextFile(`${dir}/SHA256SUMS`), first, "a rebuild is byte-identical");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("archive() refuses another version, a missing LICENSE or a missing binary", async () => {
  const dir = await Deno.makeTempDir({ prefix: "airlock-archive-" });
  try {
    await binaries(dir);
    await rejects(archive("99.0.0", dir, { docs: `${dir}/docs` }), /src\/version\.ts says/);
    await Deno.remove(`${dir}/docs/LICENSE`);
    await rejects(archive(VERSION, dir, { docs: `${dir}/docs` }), /LICENSE is missing/);
    await Deno.writeTextFile(`${dir}/docs/LICENSE`, "license\n");
    await Deno.remove(`${dir}/airlock-aarch64-macos`);
    await rejects(archive(VERSION, dir, { docs: `${dir}/docs` }));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("archive() with the repository's own README.md and LICENSE (what a release packs)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "airlock-archive-" });
  try {
    await binaries(dir);
    const names = await archive(VERSION, dir);
    const top = `airlock-${VERSION}-x86_64-linux`;
    const license = await runProcess("tar", ["-xOzf", `${dir}/${names[0]}`, `${top}/LICENSE`]);
    match(license.stdout, /Apache License\s+Version 2\.0/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
