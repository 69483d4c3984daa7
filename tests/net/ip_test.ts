import { equal } from "node:assert/strict";
import { isIP } from "node:net";
import { ipFamily } from "../../src/net/ip.ts";

const SAMPLES = [
  "0.0.0.0",
  "127.0.0.1",
  "255.255.255.255",
  "256.1.1.1",
  "1.2.3",
  "01.2.3.4",
  "1.2.3.4.5",
  "::",
  "::1",
  "fd00:ec2::254",
  "::ffff:169.254.169.254",
  "2001:db8::1:2:3:4:5",
  "2001:db8:0:0:0:0:0:1",
  "1:2:3:4:5:6:7:8:9",
  ":::1",
  "[::1]",
  "example.com",
  "",
  "1.2.3.4 ",
  "g::1",
];

for (const sample of SAMPLES) {
  Deno.test(`ipFamily() agrees with node:net isIP on ${JSON.stringify(sample)}`, () => {
    equal(ipFamily(sample), isIP(sample));
  });
}

Deno.test("ipFamily() rejects a zone index, which node:net accepts (pins need a plain address)", () => {
  equal(ipFamily("fe80::1%eth0"), 0);
});
