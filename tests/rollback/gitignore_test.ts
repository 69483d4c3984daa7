/**
 * The compiled gitignore matcher against git itself: for a set of patterns and paths
 * (created on disk, so git knows which are directories), `git check-ignore --no-index`
 * and `PatternList.ignoresWithParents()` must agree on every path.
 */

import { deepEqual } from "node:assert/strict";
import { PatternList } from "../../src/rollback/gitignore.ts";

const PATTERNS = [
  "*.log",
  "!keep.log",
  "build/",
  "/root-only.txt",
  "docs/**/*.tmp",
  "**/cache",
  "vendor/**",
  "a/**/z",
  "[abc]x.md",
  "!bx.md",
  "ques?ion",
  "nested/dir/",
  "\\#hash",
  "trailing   ",
  "*.o",
];

const FILES = [
  "app.log",
  "keep.log",
  "sub/app.log",
  "sub/keep.log",
  "build/out.js",
  "src/build/out.js",
  "build.txt",
  "root-only.txt",
  "sub/root-only.txt",
  "docs/x.tmp",
  "docs/a/b/x.tmp",
  "src/docs/x.tmp",
  "cache/file",
  "deep/er/cache/file",
  "vendor/lib/x.js",
  "vendorx/y",
  "a/z",
  "a/b/c/z",
  "b/a/z",
  "ax.md",
  "bx.md",
  "dx.md",
  "question",
  "quesxion",
  "ques/ion/f",
  "nested/dir/f",
  "x/nested/dir/f",
  "#hash",
  "trailing",
  "lib.o",
  "src/main.c",
];

Deno.test(
  "PatternList agrees with git check-ignore",
  { ignore: Deno.build.os !== "linux" },
  async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/.gitignore`, PATTERNS.join("\n") + "\n");
      for (const f of FILES) {
        await Deno.mkdir(`${dir}/${f}`.slice(0, `${dir}/${f}`.lastIndexOf("/")), {
          recursive: true,
        });
        await Deno.writeTextFile(`${dir}/${f}`, "x");
      }
      await new Deno.Command("git", { args: ["init", "-q"], cwd: dir }).output();
      const git = new Deno.Command("git", {
        args: ["-c", "core.excludesFile=/dev/null", "check-ignore", "--no-index", "--stdin"],
        cwd: dir,
        stdin: "piped",
        stdout: "piped",
        env: { GIT_CONFIG_NOSYSTEM: "1", HOME: dir },
      }).spawn();
      const w = git.stdin.getWriter();
      await w.write(new TextEncoder().encode(FILES.join("\n") + "\n"));
      await w.close();
      const out = await git.output();
      const byGit = new TextDecoder().decode(out.stdout).split("\n").filter(Boolean).sort();
      const list = new PatternList(PATTERNS);
      const ours = FILES.filter((f) => list.ignoresWithParents(f, false)).sort();
      deepEqual(ours, byGit);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
