import { doesNotThrow, throws } from "node:assert/strict";
import { checkKernelPaths } from "../../src/policy/kernel_paths.ts";
import type { Access } from "../../src/policy/types.ts";
import { runCli } from "../_cli.ts";
import { equal, match } from "node:assert/strict";

const cases: [string, Access[], RegExp | null][] = [
  ["/proc", ["read"], null],
  ["/sys/fs/cgroup", ["read"], null],
  ["/procfs-lookalike", ["read", "write"], null],
  ["/proc", ["read", "write"], /write access beneath \/proc is refused/],
  ["/proc/sys/kernel", ["write"], /write access beneath \/proc is refused/],
  ["/sys", ["read", "write"], /write access beneath \/sys is refused/],
  ["/proc/1", ["read"], /another process's \/proc entry/],
  ["/proc/4242/environ", ["read"], /another process's \/proc entry/],
  ["/proc/thread-self", ["read"], /another process's \/proc entry/],
];

for (const [path, access, error] of cases) {
  Deno.test(`checkKernelPaths() ${error ? "refuses" : "allows"} ${access.join("+")} ${path}`, () => {
    const rule = { path, access, origin: "--test" };
    if (error) throws(() => checkKernelPaths(rule), error);
    else doesNotThrow(() => checkKernelPaths(rule));
  });
}

Deno.test("airlock run --allow /proc is refused with exit 125 and a hint", async () => {
  const r = await runCli(["run", "--allow", "/proc", "--", "true"], { cwd: "/var/tmp" });
  equal(r.code, 125);
  match(r.stderr, /write access beneath \/proc is refused/);
  match(r.stderr, /hint: grant it for reading only/);
});
