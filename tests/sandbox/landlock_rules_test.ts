import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  LANDLOCK_ACCESS_FS as FS,
  LANDLOCK_ACCESS_NET as NET,
  LANDLOCK_SCOPE,
} from "../../ffi/libc.ts";
import {
  accessBits,
  expandProcRule,
  featuresForAbi,
  FILE_ACCESS,
  handledFsAccess,
  neededFeatures,
  planLandlock,
  READ_ACCESS,
  ruleAccessFor,
  WRITE_ACCESS,
} from "../../src/sandbox/landlock_rules.ts";
import { makePolicy } from "./_helpers.ts";

Deno.test("featuresForAbi() maps each ABI version to its features", () => {
  assertEquals(featuresForAbi(0), {
    "fs": false,
    "fs.refer": false,
    "fs.truncate": false,
    "net.tcp": false,
    "fs.ioctl_dev": false,
    "scope.signal": false,
    "scope.abstract_unix": false,
  });
  const abi3 = featuresForAbi(3);
  assertEquals([abi3["fs.truncate"], abi3["net.tcp"]], [true, false]);
  const abi5 = featuresForAbi(5);
  assertEquals([abi5["fs.ioctl_dev"], abi5["scope.signal"]], [true, false]);
  assertEquals(Object.values(featuresForAbi(7)).every(Boolean), true);
});

Deno.test("handledFsAccess() adds REFER at 2, TRUNCATE at 3, IOCTL_DEV at 5", () => {
  assertEquals(handledFsAccess(0), 0);
  assertEquals(handledFsAccess(1), 0x1fff);
  assertEquals(handledFsAccess(2), 0x1fff | FS.REFER);
  assertEquals(handledFsAccess(4), 0x1fff | FS.REFER | FS.TRUNCATE);
  assertEquals(handledFsAccess(7), 0xffff);
});

Deno.test("accessBits() maps read to read/list/execute and write to the write set", () => {
  assertEquals(accessBits(["read"]), FS.READ_FILE | FS.READ_DIR | FS.EXECUTE);
  assertEquals(accessBits(["write"]) & READ_ACCESS, 0);
  assertEquals(accessBits(["read", "write"]), 0xffff);
  assertEquals(WRITE_ACCESS & FS.REFER, FS.REFER);
});

Deno.test("ruleAccessFor() keeps only file rights on a regular file", () => {
  assertEquals(ruleAccessFor(0xffff, true), 0xffff);
  assertEquals(ruleAccessFor(0xffff, false), FILE_ACCESS);
  assertEquals(ruleAccessFor(READ_ACCESS, false), FS.READ_FILE | FS.EXECUTE);
});

Deno.test("neededFeatures() needs net.tcp only when the network is restricted", () => {
  const none = makePolicy({ workdir: "/w", net: "none" });
  assertEquals(neededFeatures(none), [
    "fs",
    "fs.truncate",
    "net.tcp",
    "scope.signal",
    "scope.abstract_unix",
  ]);
  const open = makePolicy({ workdir: "/w", net: "open" });
  assertEquals(neededFeatures(open).includes("net.tcp"), false);
});

Deno.test("planLandlock() grants connect ports plus the proxy port, and bind ports", () => {
  const policy = makePolicy({
    workdir: "/w",
    net: "proxy",
    connectPorts: [443],
    bindPorts: [8080, 443],
  });
  const spec = planLandlock(policy, { abi: 7, proxyPort: 41000 });
  assertEquals(spec.handledNet, NET.BIND_TCP | NET.CONNECT_TCP);
  assertEquals(spec.ports, [
    { port: 443, access: NET.CONNECT_TCP | NET.BIND_TCP },
    { port: 41000, access: NET.CONNECT_TCP },
    { port: 8080, access: NET.BIND_TCP },
  ]);
  assertEquals(spec.scoped, LANDLOCK_SCOPE.SIGNAL | LANDLOCK_SCOPE.ABSTRACT_UNIX_SOCKET);
});

Deno.test("planLandlock() does not handle TCP in open mode", () => {
  const spec = planLandlock(makePolicy({ workdir: "/w", net: "open", connectPorts: [1] }), {
    abi: 7,
  });
  assertEquals([spec.handledNet, spec.ports], [0, []]);
});

Deno.test("planLandlock() leaves out what an older ABI lacks", () => {
  const policy = makePolicy({ workdir: "/w", net: "none" });
  const spec = planLandlock(policy, { abi: 3 });
  assertEquals([spec.handledNet, spec.scoped, spec.handledFs], [0, 0, handledFsAccess(3)]);
  const work = spec.paths.find((r) => r.path === "/w")!;
  assertEquals(work.access, handledFsAccess(3));
});

Deno.test("planLandlock() merges rules on the same path", () => {
  const policy = makePolicy({ workdir: "/w", read: ["/data"], write: ["/data"] });
  const rules = planLandlock(policy, { abi: 7 }).paths.filter((r) => r.path === "/data");
  assertEquals(rules, [{ path: "/data", access: 0xffff }]);
});

Deno.test("expandProcRule() grants /proc for listing, non-PID entries and self in full", () => {
  const rules = expandProcRule(READ_ACCESS, ["1", "42", "cpuinfo", "self", "sys", "thread-self"]);
  assertEquals(rules, [
    { path: "/proc", access: FS.READ_DIR },
    { path: "/proc/cpuinfo", access: READ_ACCESS },
    { path: "/proc/self", access: READ_ACCESS },
    { path: "/proc/sys", access: READ_ACCESS },
    { path: "/proc/thread-self", access: READ_ACCESS },
  ]);
  assertEquals(expandProcRule(FS.READ_FILE, []), [{ path: "/proc/self", access: FS.READ_FILE }]);
});
