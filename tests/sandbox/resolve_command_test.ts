import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { CommandNotExecutableError, CommandNotFoundError } from "../../src/errors.ts";
import { readGrantChecker, resolveCommand } from "../../src/sandbox/resolve_command.ts";
import { makePolicy } from "./_helpers.ts";

Deno.test("resolveCommand() searches PATH in order", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/tool`, "#!/bin/sh\n", { mode: 0o755 });
    assertEquals(
      resolveCommand("tool", { path: `/nonexistent:${dir}:/usr/bin`, cwd: "/" }),
      `${dir}/tool`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("resolveCommand() resolves a relative path against cwd", () => {
  assertEquals(resolveCommand("./true", { path: "", cwd: "/usr/bin" }), "/usr/bin/./true");
});

Deno.test("resolveCommand() throws CommandNotFoundError (127) for a missing command", () => {
  throws(
    () => resolveCommand("no-such-tool-xyz", { path: "/usr/bin", cwd: "/" }),
    (e: unknown) => e instanceof CommandNotFoundError && e.exitCode === 127,
  );
  throws(() => resolveCommand("/nonexistent/x", { cwd: "/" }), CommandNotFoundError);
});

Deno.test("resolveCommand() throws CommandNotExecutableError (126) for a file without x bits", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/data`, "x", { mode: 0o644 });
    throws(
      () => resolveCommand("data", { path: dir, cwd: "/" }),
      (e: unknown) => e instanceof CommandNotExecutableError && e.exitCode === 126,
    );
    throws(() => resolveCommand(dir, { cwd: "/" }), /is a directory/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("resolveCommand() skips PATH matches outside the read grants, like execvp in the sandbox", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/true`, "#!/bin/sh\n", { mode: 0o755 });
    const policy = makePolicy({ workdir: "/nonexistent" });
    const isGranted = readGrantChecker(policy);
    assertEquals(isGranted(`${dir}/true`), false);
    assertEquals(isGranted("/usr/bin/true"), true);
    const found = resolveCommand("true", { path: `${dir}:/usr/bin`, cwd: "/", isGranted });
    assertEquals(found, "/usr/bin/true");
    throws(
      () => resolveCommand("true", { path: dir, cwd: "/", isGranted }),
      (e: unknown) =>
        e instanceof CommandNotExecutableError &&
        /outside the sandbox's read grants/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
