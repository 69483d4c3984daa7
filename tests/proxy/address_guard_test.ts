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
  // Finding 5 of issue 10: IPv6 forms that carry a private IPv4 address.
  ["::127.0.0.1", "loopback"],
  ["::10.0.0.1", "private"],
  ["::a00:1", "private"],
  ["::169.254.169.254", "cloud-metadata"],
  ["::8.8.8.8", "ipv4-compatible"],
  ["::ffff:0:0:127.0.0.1", "loopback"],
  ["::ffff:0:10.0.0.1", "private"],
  ["::ffff:0:8.8.8.8", "ipv4-compatible"],
  ["::ffff:8.8.8.8", null],
  ["::ffff:7f00:1", "loopback"],
  ["0:0:0:0:0:ffff:192.168.0.1", "private"],
  ["64:ff9b::127.0.0.1", "loopback"],
  ["64:ff9b::a9fe:a9fe", "cloud-metadata"],
  ["64:ff9b::8.8.8.8", null],
  ["64:ff9b:1::a00:1", "private"], // /96 position
  ["64:ff9b:1:a00:1::", "private"], // /48 position
  ["64:ff9b:1:7f:0:100::", "loopback"], // /56 position (u octet skipped)
  ["64:ff9b:1:0:a:0:1:0", "private"], // /64 position
  ["64:ff9b:1::808:808", "nat64-local"],
  ["2002:7f00:1::", "loopback"],
  ["2002:a9fe:a9fe::1", "cloud-metadata"],
  ["2002:c0a8:101::", "private"],
  ["2002:808:808::1", null],
  ["2001:0:808:808::f5ff:fffe", "private"], // Teredo client ~10.0.0.1
  ["2001:0:7f00:1::1", "loopback"], // Teredo server 127.0.0.1
  ["2001:0:808:808::f7f7:f7f7", null], // client 8.8.8.8
  ["fec0::1", "site-local"],
  ["100::1", "discard"],
  ["2001:db8::1", "documentation"],
  ["192.0.2.1", "documentation"],
  // IPv4 literals in every spelling the C resolver accepts.
  ["2130706433", "loopback"],
  ["0177.0.0.1", "loopback"],
  ["0x7f.1", "loopback"],
  ["0x7f000001", "loopback"],
  ["127.1", "loopback"],
  ["127.0.1", "loopback"],
  ["017700000001", "loopback"],
  ["10.1", "private"],
  ["0xa9.0xfe.0xa9.0xfe", "cloud-metadata"],
  ["2852039166", "cloud-metadata"],
  ["0", "unspecified"],
  ["134744072", null],
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

Deno.test("addressDenyReason() lets an allowed IPv4 range through an embedding form", () => {
  const ranges = [parseCidr("10.0.0.0/8")];
  assertEquals(addressDenyReason("2002:a00:1::", ranges), null);
  assertEquals(addressDenyReason("64:ff9b::10.0.0.1", ranges), null);
});

Deno.test("parseIp() expands IPv6 forms", () => {
  assertEquals([...parseIp("1::2")!], [0, 1, ...Array(12).fill(0), 0, 2]);
  assertEquals([...parseIp("::ffff:1.2.3.4")!].slice(10), [255, 255, 1, 2, 3, 4]);
  assertEquals([...parseIp("1.2.3")!], [1, 2, 0, 3]);
  assertEquals(parseIp("1.2.3.4.5"), null);
  assertEquals(parseIp("example.com"), null);
  assertEquals(parseIp("1e3"), null);
});

Deno.test("parseCidr() rejects malformed ranges", () => {
  throws(() => parseCidr("10.0.0.0/33"), /prefix length/);
  throws(() => parseCidr("nope/8"), /not an IP address/);
  throws(() => parseCidr("10.0.0.0/x"), /prefix length/);
});
