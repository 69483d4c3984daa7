import { equal } from "node:assert/strict";
import {
  expandPath,
  expandVars,
  isWithin,
  pathSyntaxProblem,
  pathVars,
  realPathOrNull,
} from "../../src/policy/paths.ts";
import { fixture } from "./_helpers.ts";

const VARS = pathVars({ HOME: "/home/ada", TMPDIR: "/var/tmp/ada" }, "/work/proj");

Deno.test("pathVars() applies XDG defaults and ignores relative XDG values", () => {
  equal(VARS.XDG_CONFIG_HOME, "/home/ada/.config");
  equal(VARS.XDG_CACHE_HOME, "/home/ada/.cache");
  equal(VARS.XDG_DATA_HOME, "/home/ada/.local/share");
  equal(VARS.XDG_STATE_HOME, "/home/ada/.local/state");
  equal(VARS.TMPDIR, "/var/tmp/ada");
  const custom = pathVars({ HOME: "/h", XDG_CONFIG_HOME: "/cfg/", XDG_CACHE_HOME: "rel" }, "/w");
  equal(custom.XDG_CONFIG_HOME, "/cfg");
  equal(custom.XDG_CACHE_HOME, "/h/.cache");
  equal(pathVars({ HOME: "/h" }, "/w").TMPDIR, "/tmp");
});

Deno.test("expandPath() expands ~ and every variable and normalises", () => {
  const cases: [string, string][] = [
    ["~", "/home/ada"],
    ["~/.claude", "/home/ada/.claude"],
    ["$HOME/.codex", "/home/ada/.codex"],
    ["${HOME}/.codex/", "/home/ada/.codex"],
    ["$WORKDIR", "/work/proj"],
    ["$WORKDIR/../other", "/work/other"],
    ["$TMPDIR/x", "/var/tmp/ada/x"],
    ["$XDG_CONFIG_HOME/opencode", "/home/ada/.config/opencode"],
    ["$XDG_CACHE_HOME/opencode", "/home/ada/.cache/opencode"],
    ["$XDG_DATA_HOME/opencode", "/home/ada/.local/share/opencode"],
    ["$XDG_STATE_HOME/opencode", "/home/ada/.local/state/opencode"],
    ["/usr//lib/./x", "/usr/lib/x"],
    ["/", "/"],
    ["rel/dir", "/work/proj/rel/dir"],
  ];
  for (const [raw, expected] of cases) equal(expandPath(raw, VARS), expected, raw);
});

Deno.test("expandVars() keeps unknown variables as written", () => {
  equal(expandVars("$HOME/.claude", VARS), "/home/ada/.claude");
  equal(expandVars("price $5 and $FOO", VARS), "price $5 and $FOO");
});

Deno.test("pathSyntaxProblem() accepts absolute and variable paths only", () => {
  const cases: [string, string | null][] = [
    ["/usr", null],
    ["~", null],
    ["~/.x", null],
    ["$HOME", null],
    ["${XDG_DATA_HOME}/x", null],
    ["tmp", "must be an absolute path"],
    ["./x", "must be an absolute path"],
    ["~ada/x", "must be an absolute path"],
    ["", "must not be empty"],
    ["$NOPE/x", 'uses the unknown variable "$NOPE"'],
    ["/a/$USER", 'uses the unknown variable "$USER"'],
  ];
  for (const [raw, expected] of cases) equal(pathSyntaxProblem(raw), expected, raw);
});

Deno.test("isWithin() compares whole path components", () => {
  equal(isWithin("/a/b", "/a"), true);
  equal(isWithin("/a", "/a"), true);
  equal(isWithin("/ab", "/a"), false);
  equal(isWithin("/a", "/a/b"), false);
  equal(isWithin("/anything", "/"), true);
});

Deno.test("realPathOrNull() resolves symlinks and returns null when missing", async () => {
  await using fx = await fixture();
  await Deno.mkdir(`${fx.root}/target`);
  await Deno.symlink(`${fx.root}/target`, `${fx.root}/link`);
  equal(await realPathOrNull(`${fx.root}/link`), `${fx.root}/target`);
  equal(await realPathOrNull(`${fx.root}/missing`), null);
  equal(await realPathOrNull(`${fx.root}/link/missing/deeper`), null);
});

Deno.test("pathVars() takes HOME from /etc/passwd when HOME is unset or relative", () => {
  const uid = String(Deno.uid());
  const entry = Deno.readTextFileSync("/etc/passwd").split("\n").map((l) => l.split(":"))
    .find((f) => f[2] === uid);
  const expected = entry?.[5] ?? "/";
  equal(pathVars({}, "/w").HOME, expected);
  equal(pathVars({ HOME: "relative/home" }, "/w").HOME, expected);
  equal(pathVars({}, "/w").XDG_CONFIG_HOME, `${expected === "/" ? "" : expected}/.config`);
});
