import { deepEqual, equal, ok, throws } from "node:assert/strict";
import { globProblem, GlobSet } from "../../src/trust/glob.ts";
import { DEFAULT_INCLUDES, fileKind, MAX_SCAN_DEPTH } from "../../src/trust/default_includes.ts";
import { scanTree } from "../../src/trust/scanner.ts";
import { tempDir, writeTree } from "./_fixtures.ts";

Deno.test("GlobSet matches the default includes at any depth, and nothing else", () => {
  const set = new GlobSet(DEFAULT_INCLUDES);
  const yes = [
    "AGENTS.md",
    "a/b/CLAUDE.md",
    "GEMINI.md",
    "pkg/SKILL.md",
    "SKILLS",
    "SKILLS.md",
    ".cursorrules",
    ".cursor/rules/x.mdc",
    "web/.cursor/rules/deep/y.md",
    ".windsurfrules",
    ".github/copilot-instructions.md",
    ".claude/agents/reviewer.md",
    ".claude/x.md",
    "sub/.claude/a/b/c.md",
    ".claude/commands/deploy",
    ".claude/commands/ops/deploy.sh",
    ".mcp.json",
    "tools/.mcp.json",
  ];
  const no = [
    "agents.md",
    "CLAUDE.md.bak",
    "README.md",
    "MYSKILLS",
    ".cursor/rules",
    ".cursor/other/x",
    ".claude/settings.json",
    ".claude/commands",
    ".github/workflows/ci.yml",
    "x.mcp.json",
  ];
  for (const p of yes) ok(set.matchPath(p) >= 0, `should match ${p}`);
  for (const p of no) equal(set.matchPath(p), -1, `should not match ${p}`);
});

Deno.test("GlobSet: * stays in a segment, ? is one character, a leading / anchors", () => {
  const set = new GlobSet(["docs/*.md", "/ROOT.md", "x?.txt", "a/**/z"]);
  equal(set.matchPath("docs/a.md"), 0);
  equal(set.matchPath("p/docs/a.md"), 0);
  equal(set.matchPath("docs/a/b.md"), -1);
  equal(set.matchPath("ROOT.md"), 1);
  equal(set.matchPath("sub/ROOT.md"), -1);
  equal(set.matchPath("x1.txt"), 2);
  equal(set.matchPath("x12.txt"), -1);
  equal(set.matchPath("a/z"), 3); // ** in the middle matches zero segments
  equal(set.matchPath("a/b/c/z"), 3);
});

Deno.test("globProblem() refuses globs that do not mean what they look like", () => {
  const cases: [string, RegExp][] = [
    ["", /non-empty/],
    ["a//b", /empty segment/],
    ["a/", /empty segment/],
    ["../x", /"\.\." segment/],
    ["./x", /"\." segment/],
    ["a**", /whole segment/],
    ["{a,b}.md", /not supported/],
    ["[ab].md", /not supported/],
    ["a\\*", /not supported/],
    ["**", /matches every file/],
    ["x".repeat(600), /at most 512/],
  ];
  for (const [glob, want] of cases) {
    ok(want.test(globProblem(glob) ?? ""), `${glob}: ${globProblem(glob)}`);
  }
  throws(() => new GlobSet(["a//b"]), TypeError);
  equal(globProblem("/.claude/**/*.md"), null);
});

Deno.test("fileKind() names each default include's kind", () => {
  deepEqual(
    [
      "AGENTS.md",
      "x/SKILL.md",
      ".cursor/rules/a",
      ".claude/commands/a.md",
      ".mcp.json",
      "PROMPT.md",
    ].map(
      fileKind,
    ),
    ["instructions", "skill", "rules", "command", "mcp-config", "other"],
  );
});

Deno.test("scanTree() skips dependency trees, keeps ignored files, stops at depth 16 and never follows directory links", async () => {
  const dir = await tempDir("airlock-scan-");
  try {
    const deep = Array.from({ length: MAX_SCAN_DEPTH }, (_, i) => `d${i}`).join("/");
    writeTree(dir, {
      "CLAUDE.md": "",
      ".gitignore": "ignored/\n",
      "ignored/AGENTS.md": "", // .gitignore is not honoured
      "node_modules/x/CLAUDE.md": "",
      ".git/CLAUDE.md": "",
      "vendor/AGENTS.md": "",
      "CLAUDE.md.bundle": "",
      [`${deep}/AGENTS.md`]: "", // 16 directories down: found
      [`${deep}/d16/AGENTS.md`]: "", // 17: not
      "outside/CLAUDE.md": "",
    });
    Deno.symlinkSync(`${dir}/outside`, `${dir}/linked`);
    Deno.symlinkSync(`${dir}/outside/CLAUDE.md`, `${dir}/GEMINI.md`);
    const names = scanTree(dir, { includes: DEFAULT_INCLUDES }).map((f) => f.name);
    deepEqual(names, [
      "CLAUDE.md",
      "GEMINI.md",
      `${deep}/AGENTS.md`,
      "ignored/AGENTS.md",
      "outside/CLAUDE.md",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("scanTree() adds explicit files that exist, named ~/… below home", async () => {
  const dir = await tempDir("airlock-scan-");
  try {
    writeTree(dir, { "home/.claude/CLAUDE.md": "", "work/x": "" });
    const files = scanTree(`${dir}/work`, {
      includes: DEFAULT_INCLUDES,
      files: [`${dir}/home/.claude/CLAUDE.md`, `${dir}/home/missing.md`],
      home: `${dir}/home`,
    });
    deepEqual(files.map((f) => [f.name, f.kind]), [["~/.claude/CLAUDE.md", "instructions"]]);
    deepEqual(scanTree(`${dir}/nonexistent`, { includes: DEFAULT_INCLUDES }), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("scanTree() stops at maxEntries and says so", async () => {
  const dir = await tempDir("airlock-scan-");
  try {
    writeTree(dir, Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`d${i}/f.txt`, ""])));
    const stats = { entries: 0, truncated: false };
    scanTree(dir, { includes: DEFAULT_INCLUDES, maxEntries: 10, stats });
    deepEqual(stats, { entries: 10, truncated: true });
    const all = { entries: 0, truncated: false };
    scanTree(dir, { includes: DEFAULT_INCLUDES, stats: all });
    deepEqual(all, { entries: 60, truncated: false });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
