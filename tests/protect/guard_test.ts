/**
 * The persistence guard on a real filesystem: what a session did to a protected path is
 * put back, the session's version moved aside (never through a link), `accept` keeps it,
 * and a path whose directory became a link is left alone.
 */

import { deepEqual, equal, ok, throws } from "node:assert/strict";
import {
  type GuardAction,
  MAX_PROTECTED_BYTES,
  restoreProtected,
  snapshotProtected,
} from "../../src/protect/guard.ts";

async function scratch(): Promise<{ dir: string } & AsyncDisposable> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "airlock-protect-" }));
  return { dir, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}

Deno.test("protect: a changed file is restored and the session's version kept aside", async () => {
  await using s = await scratch();
  const file = `${s.dir}/settings.json`;
  Deno.writeTextFileSync(file, "{}\n");
  Deno.chmodSync(file, 0o640);
  const snap = snapshotProtected([file]);
  Deno.writeTextFileSync(file, '{"hooks":1}\n');
  const action = only(restoreProtected(snap, { keepDir: `${s.dir}/kept` }));
  equal(action.change, "changed");
  equal(Deno.readTextFileSync(file), "{}\n");
  equal(Deno.statSync(file).mode! & 0o777, 0o640);
  equal(Deno.readTextFileSync(action.keptAt!), '{"hooks":1}\n');
});

Deno.test("protect: an unchanged path is left alone and reported nowhere", async () => {
  await using s = await scratch();
  Deno.mkdirSync(`${s.dir}/hooks`);
  Deno.writeTextFileSync(`${s.dir}/hooks/a.sh`, "echo\n");
  const snap = snapshotProtected([`${s.dir}/hooks`, `${s.dir}/absent`]);
  deepEqual(restoreProtected(snap, { keepDir: `${s.dir}/kept` }), []);
  ok(!existsL(`${s.dir}/kept`));
});

Deno.test("protect: a directory the session created is removed, its content kept aside", async () => {
  await using s = await scratch();
  const hooks = `${s.dir}/hooks`;
  const snap = snapshotProtected([hooks]);
  Deno.mkdirSync(`${hooks}/deep`, { recursive: true });
  Deno.writeTextFileSync(`${hooks}/deep/run.sh`, "touch /tmp/pwned\n");
  const action = only(restoreProtected(snap, { keepDir: `${s.dir}/kept` }));
  equal(action.change, "created");
  ok(!existsL(hooks));
  equal(Deno.readTextFileSync(`${action.keptAt}/deep/run.sh`), "touch /tmp/pwned\n");
});

Deno.test("protect: a file in a protected directory is restored with its siblings", async () => {
  await using s = await scratch();
  const dir = `${s.dir}/commands`;
  Deno.mkdirSync(dir);
  Deno.writeTextFileSync(`${dir}/a.md`, "a\n");
  const snap = snapshotProtected([dir]);
  Deno.writeTextFileSync(`${dir}/a.md`, "hijacked\n");
  Deno.writeTextFileSync(`${dir}/b.md`, "planted\n");
  const action = only(restoreProtected(snap, { keepDir: `${s.dir}/kept` }));
  equal(action.change, "changed");
  deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["a.md"]);
  equal(Deno.readTextFileSync(`${dir}/a.md`), "a\n");
});

Deno.test("protect: a link the session planted is removed, its target untouched", async () => {
  await using s = await scratch();
  const target = `${s.dir}/precious`;
  Deno.writeTextFileSync(target, "keep me\n");
  const config = `${s.dir}/config.toml`;
  const snap = snapshotProtected([config]);
  Deno.symlinkSync(target, config);
  const action = only(restoreProtected(snap, { keepDir: `${s.dir}/kept` }));
  equal(action.change, "created");
  ok(!existsL(config));
  equal(Deno.readTextFileSync(target), "keep me\n");
  ok(Deno.lstatSync(action.keptAt!).isSymlink);
});

Deno.test("protect: a file replaced by a link is restored as a file, the link's target untouched", async () => {
  await using s = await scratch();
  const target = `${s.dir}/elsewhere`;
  Deno.writeTextFileSync(target, "theirs\n");
  const config = `${s.dir}/config.toml`;
  Deno.writeTextFileSync(config, "mine\n");
  const snap = snapshotProtected([config]);
  Deno.removeSync(config);
  Deno.symlinkSync(target, config);
  restoreProtected(snap, { keepDir: `${s.dir}/kept` });
  ok(!Deno.lstatSync(config).isSymlink);
  equal(Deno.readTextFileSync(config), "mine\n");
  equal(Deno.readTextFileSync(target), "theirs\n");
});

Deno.test("protect: a removed file comes back", async () => {
  await using s = await scratch();
  const config = `${s.dir}/config.toml`;
  Deno.writeTextFileSync(config, "mine\n");
  const snap = snapshotProtected([config]);
  Deno.removeSync(config);
  const action = only(restoreProtected(snap, { keepDir: `${s.dir}/kept` }));
  equal(action.change, "removed");
  equal(action.keptAt, undefined);
  equal(Deno.readTextFileSync(config), "mine\n");
});

Deno.test("protect: accept keeps the session's version and says so", async () => {
  await using s = await scratch();
  const config = `${s.dir}/config.toml`;
  Deno.writeTextFileSync(config, "mine\n");
  const snap = snapshotProtected([config]);
  Deno.writeTextFileSync(config, "theirs\n");
  const action = only(restoreProtected(snap, { keepDir: `${s.dir}/kept`, accept: true }));
  equal(action.change, "changed");
  equal(Deno.readTextFileSync(config), "theirs\n");
});

Deno.test("protect: a path whose directory became a link is not written through it", async () => {
  await using s = await scratch();
  Deno.mkdirSync(`${s.dir}/agent`);
  Deno.mkdirSync(`${s.dir}/victim`);
  const config = `${s.dir}/agent/config.toml`;
  Deno.writeTextFileSync(config, "mine\n");
  const snap = snapshotProtected([config]);
  Deno.renameSync(`${s.dir}/agent`, `${s.dir}/moved`);
  Deno.symlinkSync(`${s.dir}/victim`, `${s.dir}/agent`);
  const action = only(restoreProtected(snap, { keepDir: `${s.dir}/kept` }));
  ok(action.error?.includes("link"), JSON.stringify(action));
  deepEqual([...Deno.readDirSync(`${s.dir}/victim`)], []);
});

Deno.test("protect: a session's oversized file is removed without being read whole", async () => {
  await using s = await scratch();
  const config = `${s.dir}/config.toml`;
  const snap = snapshotProtected([config]);
  using f = Deno.openSync(config, { create: true, write: true });
  f.truncateSync(5 * MAX_PROTECTED_BYTES); // sparse
  const action = only(restoreProtected(snap, { keepDir: `${s.dir}/kept` }));
  equal(action.change, "created");
  ok(!existsL(config));
});

Deno.test("protect: more than the limit cannot be recorded", async () => {
  await using s = await scratch();
  const big = `${s.dir}/big`;
  using f = Deno.openSync(big, { create: true, write: true });
  f.truncateSync(MAX_PROTECTED_BYTES + 1);
  throws(() => snapshotProtected([big]), /more than/);
});

function existsL(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function only(actions: GuardAction[]): GuardAction {
  equal(actions.length, 1, JSON.stringify(actions));
  return actions[0]!;
}
