import { equal, ok } from "node:assert/strict";
import {
  AirlockError,
  CommandNotExecutableError,
  CommandNotFoundError,
  exitCodeFor,
  formatError,
  isAirlockError,
  KeystoreError,
  ProfileError,
  ProxyError,
  SandboxSetupError,
  SandboxUnavailableError,
  UsageError,
} from "../src/errors.ts";

const CODES: [new (m: string) => AirlockError, number][] = [
  [UsageError, 2],
  [ProfileError, 125],
  [SandboxUnavailableError, 125],
  [SandboxSetupError, 125],
  [KeystoreError, 125],
  [ProxyError, 125],
  [CommandNotExecutableError, 126],
  [CommandNotFoundError, 127],
];

for (const [Class, code] of CODES) {
  Deno.test(`exitCodeFor() maps ${Class.name} to ${code}`, () => {
    const err = new Class("Cannot do it: state");
    equal(exitCodeFor(err), code);
    equal(err.name, Class.name);
    ok(err instanceof AirlockError);
  });
}

Deno.test("exitCodeFor() maps any other error to 125", () => {
  equal(exitCodeFor(new TypeError("x")), 125);
  equal(exitCodeFor("a string"), 125);
});

Deno.test("formatError() prints one line and the hint, never a stack", () => {
  const err = new ProfileError('Cannot load profile "x": bad\nsecond line', {
    hint: "fix it",
    cause: new Error("inner"),
  });
  equal(formatError(err), 'airlock: Cannot load profile "x": bad\n  hint: fix it');
  equal(formatError(new Error("plain")), "airlock: plain");
});

Deno.test("exitCodeFor() and formatError() recognise an error from another copy of errors.ts", async () => {
  // `airlock run` loads a bundled copy of errors.ts beside the source one; a query string
  // makes Deno load a second, separate instance of the module, as the bundle is.
  const other = await import(new URL("../src/errors.ts?second-copy", import.meta.url).href);
  const err = new other.ProxyError("Cannot start the proxy: port taken", { hint: "retry" });
  equal(err instanceof ProxyError, false, "a separate module instance");
  equal(exitCodeFor(err), 125);
  equal(formatError(err), "airlock: Cannot start the proxy: port taken\n  hint: retry");
  equal(isAirlockError(err), true);
  equal(isAirlockError({ exitCode: 2, hint: "forged" }), false);
});
