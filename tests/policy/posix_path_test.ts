import assert from "node:assert/strict";
import * as node from "node:path";
import { dirname, isAbsolute, normalize, resolve } from "../../src/policy/posix_path.ts";

/** Inputs that exercise every branch: dots, repeated and trailing slashes, roots, names. */
const INPUTS = [
  "",
  ".",
  "..",
  "/",
  "//",
  "///",
  "a",
  "a/",
  "a//",
  "/a",
  "/a/",
  "//a",
  "//a//b//",
  "a/b/c",
  "./a",
  "../a",
  "a/..",
  "a/../..",
  "a/../../b/",
  "/..",
  "/../a",
  "/a/b/../../..",
  "/a/./b/./",
  "/a/b/c/../d/./e/",
  "~/.ssh",
  "/home/ada/.config/airlock/profiles/dev.jsonc",
  "..a/b..",
  "/a/.../b",
  "a/./",
  "./",
  "../",
];

Deno.test("isAbsolute agrees with node:path", () => {
  for (const p of INPUTS) assert.equal(isAbsolute(p), node.posix.isAbsolute(p), p);
});

Deno.test("normalize agrees with node:path", () => {
  for (const p of INPUTS) assert.equal(normalize(p), node.posix.normalize(p), JSON.stringify(p));
});

Deno.test("dirname agrees with node:path", () => {
  for (const p of INPUTS) assert.equal(dirname(p), node.posix.dirname(p), JSON.stringify(p));
});

Deno.test("resolve agrees with node:path, relative segments starting from the cwd", () => {
  for (const a of INPUTS) {
    assert.equal(resolve(a), node.posix.resolve(a), JSON.stringify(a));
    for (const b of ["", "x", "/etc/", "../y", "./z/"]) {
      assert.equal(resolve(a, b), node.posix.resolve(a, b), JSON.stringify([a, b]));
      assert.equal(resolve("/base", a, b), node.posix.resolve("/base", a, b));
    }
  }
  assert.equal(resolve(), node.posix.resolve());
});
