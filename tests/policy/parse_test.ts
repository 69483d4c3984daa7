import { equal, match, ok } from "node:assert/strict";
import { ProfileError } from "../../src/errors.ts";
import { lineColumn, parseProfileText } from "../../src/policy/parse.ts";
import { thrown } from "./_helpers.ts";

Deno.test("lineColumn() counts lines and columns from 1", () => {
  equal(JSON.stringify(lineColumn("ab\ncd\nef", 0)), '{"line":1,"column":1}');
  equal(JSON.stringify(lineColumn("ab\ncd\nef", 4)), '{"line":2,"column":2}');
  equal(JSON.stringify(lineColumn("ab\ncd\nef", 6)), '{"line":3,"column":1}');
});

Deno.test("parseProfileText() accepts comments and trailing commas", () => {
  const value = parseProfileText(
    '// profile\n{ /* c */ "extends": ["default",], "description": "x", }',
    "dev",
    "dev.jsonc",
  ) as { extends: string[] };
  equal(value.extends[0], "default");
});

Deno.test("parseProfileText() reports malformed JSONC with file, line and column", async () => {
  const cases: [string, RegExp][] = [
    [
      '{\n  "extends": "default"\n  "description": "x"\n}',
      /dev\.jsonc:3:3 is not valid JSONC: comma expected/,
    ],
    ['{\n  "filesystem": { "read": [ } \n}', /dev\.jsonc:2:29 is not valid JSONC: value expected/],
    ["{ 'x': 1 }", /dev\.jsonc:1:3 is not valid JSONC: invalid symbol/],
    ["", /dev\.jsonc:1:1 is not valid JSONC: value expected/],
    [
      '{\n  "network": {},\n  "network": { "mode": "none" }\n}',
      /dev\.jsonc:3:3 repeats the key "network"/,
    ],
    ['{ "env": { "set": { "A": "1", "A": "2" } } }', /dev\.jsonc:1:31 repeats the key "A"/],
  ];
  for (const [text, pattern] of cases) {
    const err = await thrown(() => parseProfileText(text, "dev", "dev.jsonc"));
    ok(err instanceof ProfileError, text);
    match(err.message, /^Cannot load profile "dev": /);
    match(err.message, pattern);
    equal(err.message.includes("\n"), false);
  }
});
