import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { addressDenyReason, parseCidr, parseIp } from "../../src/proxy/address_guard.ts";

const CASES: [string, string | null][] = [
  ["127.0.0.1", "loopback"],
  ["127.8.9.10", "loopback"],
  ["10.1.2.3", "private"],
  ["172.16.0.1", "private"],
  ["172.31.255.255", "private"],
  ["172.32.0.1", null],
  ["192.168.1.1", "private"],
  ["100.64.0.1", "carrier-grade-nat"],
  ["100.127.255.255", "carrier-grade-nat"],
  ["100.128.0.1", null],
  ["169.254.169.254", "cloud-metadata"],
  ["169.254.1.1", "link-local"],
  ["0.0.0.0", "unspecified"],
  ["224.0.0.1", "multicast"],
  ["255.255.255.255", "reserved"],
  ["::", "unspecified"],
  ["::1", "loopback"],
  ["fc00::1", "private"],
  ["fd12:3456::1", "private"],
  ["fd00:ec2::254", "cloud-metadata"],
  ["fe80::1", "link-local"],
  ["ff02::1", "multicast"],
  ["::ffff:127.0.0.1", "loopback"],
  ["::ffff:169.254.169.254", "cloud-metadata"],
  ["64:ff9b::10.0.0.1", "private"],
  ["8.8.8.8", null],
  ["2606:4700::1111", null],
];

for (const [addr, reason] of CASES) {
  Deno.test(`addressDenyReason() gives ${reason ?? "null"} for ${addr}`, () => {
    assertEquals(addressDenyReason(addr, []), reason);
  });
}

Deno.test("addressDenyReason() lets allowed ranges through, including mapped addresses", () => {
  const ranges = [parseCidr("10.0.0.0/8"), parseCidr("fd00::/8")];
  assertEquals(addressDenyReason("10.9.9.9", ranges), null);
  assertEquals(addressDenyReason("::ffff:10.9.9.9", ranges), null);
  assertEquals(addressDenyReason("fd00:ec2::254", ranges), null);
  assertEquals(addressDenyReason("192.168.0.1", ranges), "private");
});

Deno.test("parseIp() expands IPv6 forms", () => {
  assertEquals([...parseIp("1::2")!], [0, 1, ...Array(12).fill(0), 0, 2]);
  assertEquals([...parseIp("::ffff:1.2.3.4")!].slice(10), [255, 255, 1, 2, 3, 4]);
  assertEquals(parseIp("1.2.3"), null);
});

Deno.test("parseCidr() rejects malformed ranges", () => {
  throws(() => parseCidr("10.0.0.0/33"), /prefix length/);
  throws(() => parseCidr("nope/8"), /not an IP address/);
  throws(() => parseCidr("10.0.0.0/x"), /prefix length/);
});
