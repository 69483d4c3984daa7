/**
 * Exclusions, guard patterns and the budget, on real directories: what a snapshot leaves
 * out and what it must record anyway.
 */

import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import { baseRules, Exclusions } from "../../src/rollback/exclusions.ts";
import { DEFAULT_GUARD, GuardMatcher } from "../../src/rollback/guard_patterns.ts";
import { scanTree } from "../../src/rollback/scan.ts";
import { checkBudget, exclusionsThatFit } from "../../src/rollback/budget.ts";
import { isAirlockError } from "../../src/errors.ts";
import { rollbackDirs, writeTree } from "./_tree.ts";

function scan(work: string, profile: string[] = [], guard: string[] = []) {
  return scanTree(work, {
    exclusions: new Exclusions(baseRules(profile, [...DEFAULT_GUARD, ...guard]), true),
    guard: new GuardMatcher([...DEFAULT_GUARD, ...guard]),
  });
}

Deno.test("Exclusions: the deepest .gitignore verdict wins, as in git", () => {
  const ex = new Exclusions(baseRules([], []), true);
  ex.addGitignore("", "*.log\n");
  ex.addGitignore("keep", "!important.log\n");
  equal(ex.excluded("a.log", false), "gitignore:");
  equal(ex.excluded("keep/important.log", false), null);
  equal(ex.excluded("keep/other.log", false), "gitignore:");
  equal(ex.excluded(".git/x.log", false), null, "nothing beneath .git is excluded");
});

Deno.test("Exclusions: a profile pattern can bring a built-in exclusion back", () => {
  const ex = new Exclusions(baseRules(["!target/"], []), true);
  equal(ex.excluded("target", true), null);
  equal(ex.excluded("node_modules", true), "default");
  equal(ex.excluded("target", false), null, "a file named target was never excluded");
});

Deno.test("scanTree() records guarded paths inside ignored directories, and nothing else there", async () => {
  await using d = await rollbackDirs();
  await writeTree(d.work, {
    ".gitignore": ".idea/\nsecret-cache/\n",
    ".idea/workspace.xml": "<x/>",
    "secret-cache/blob": "x",
    "node_modules/pkg/.envrc": "nope",
    "sub/.envrc": "export X=1",
  });
  const paths = scan(d.work).entries.map((e) => e.path);
  ok(paths.includes(".idea/workspace.xml"), "guarded although gitignored");
  ok(paths.includes("sub/.envrc"));
  ok(!paths.includes("secret-cache/blob"));
  ok(!paths.some((p) => p.startsWith("node_modules")), "not walked for guard patterns");
});

Deno.test("scanTree() records links as links and skips FIFOs", async () => {
  await using d = await rollbackDirs();
  await Deno.symlink(d.outside, `${d.work}/out`);
  const fifo = await new Deno.Command("mkfifo", { args: [`${d.work}/pipe`] }).output();
  const result = scan(d.work);
  const out = result.entries.find((e) => e.path === "out");
  equal(out?.type, "l");
  equal(out?.hash, d.outside);
  ok(!result.entries.some((e) => e.path.startsWith("out/")), "never followed");
  if (fifo.success) deepEqual(result.skipped, ["pipe"]);
});

Deno.test("checkBudget() names the budget and the directories to exclude", async () => {
  await using d = await rollbackDirs();
  const files: Record<string, string> = {};
  for (let i = 0; i < 40; i++) files[`data/raw/f${i}`] = "x".repeat(1000);
  await writeTree(d.work, files);
  const result = scan(d.work);
  const fit = exclusionsThatFit(result, { maxFiles: 20, maxBytes: 1e9 });
  equal(fit[0]?.dir, "data");
  throws(() => checkBudget(d.work, result, { maxFiles: 1e6, maxBytes: 10_000 }), (err) => {
    ok(isAirlockError(err));
    match(err.message, /over rollback\.max_bytes 9\.8 KiB/);
    match(err.hint ?? "", /"data\/" \(40 files, 39\.1 KiB\)/);
    return true;
  });
});
