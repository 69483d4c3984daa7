import {
  doesNotMatch as assertNotMatch,
  equal as assertStrictEquals,
  match as assertMatch,
} from "node:assert/strict";
import { runCli } from "../_cli.ts";

Deno.test("airlock --help lists the commands and exits 0", async () => {
  const r = await runCli(["--help"]);
  assertStrictEquals(r.code, 0);
  assertMatch(r.stdout, /run \[options\]/);
  assertMatch(r.stdout, /shell/);
});

Deno.test("airlock --version prints the version and exits 0", async () => {
  const r = await runCli(["--version"]);
  assertStrictEquals(r.code, 0);
  assertMatch(r.stdout, /^airlock \d+\.\d+\.\d+\n/); // then commit, Deno, target (version_test.ts)
});

Deno.test("airlock with no command is a usage error (exit 2)", async () => {
  const r = await runCli([]);
  assertStrictEquals(r.code, 2);
});

Deno.test("airlock run with no command is a usage error naming the fix", async () => {
  const r = await runCli(["run"]);
  assertStrictEquals(r.code, 2);
  assertMatch(r.stderr, /^airlock: Cannot run: no command given\n {2}hint: .*--/);
});

Deno.test("airlock run rejects an unknown flag with exit 2 and no stack trace", async () => {
  const r = await runCli(["run", "--bogus", "--", "true"]);
  assertStrictEquals(r.code, 2);
  assertMatch(r.stderr, /unknown option '--bogus'/);
  assertNotMatch(r.stderr, /\n\s+at /);
});

Deno.test("airlock run rejects a malformed port with exit 2", async () => {
  const r = await runCli(["run", "--allow-port", "70000", "--", "true"]);
  assertStrictEquals(r.code, 2);
  assertMatch(r.stderr, /--allow-port: a port must be an integer from 1 to 65535/);
});

Deno.test("airlock run rejects an unknown network mode with exit 2", async () => {
  const r = await runCli(["run", "--net", "wide", "--", "true"]);
  assertStrictEquals(r.code, 2);
  assertMatch(r.stderr, /--net/);
});
