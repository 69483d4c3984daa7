import { deepEqual, equal, ok } from "node:assert/strict";
import type { Policy } from "../../src/policy/types.ts";
import { whyPath, whyPort } from "../../src/policy/why.ts";

function policy(over: Partial<Policy["network"]> = {}): Policy {
  return {
    profile: "test",
    profileChain: ["test"],
    cwd: "/work",
    workdir: "/work",
    paths: [
      { path: "/work", access: ["read", "write"], origin: "workdir" },
      { path: "/usr", access: ["read"], origin: "profile default: filesystem.read[0]" },
      { path: "/usr/local/cache", access: ["write"], origin: "--write" },
      { path: "/etc/passwd", access: ["read"], origin: "profile default: filesystem.read[11]" },
    ],
    network: {
      mode: "proxy",
      connectPorts: [5432],
      bindPorts: [3000],
      allowDomains: [],
      allowRanges: [],
      allowUnixSockets: false,
      resolve: [],
      upstreamCaFiles: [],
      origins: {
        "connect:5432": "--allow-port",
        "bind:3000": "profile dev: network.listen_ports[0]",
      },
      ...over,
    },
    env: { vars: {}, removed: [], set: [] },
    credentials: {},
    routes: {},
    bestEffort: false,
    bypassProtection: [],
  };
}

Deno.test("whyPath() answers with the closest granting rule or the reason", () => {
  const cases: [string, "read" | "write", boolean, string][] = [
    ["/usr/bin/env", "read", true, "profile default: filesystem.read[0] (/usr)"],
    ["/usr", "read", true, "profile default: filesystem.read[0] (/usr)"],
    ["/work/src/a.ts", "write", true, "workdir (/work)"],
    ["/usr/local/cache/x", "write", true, "--write (/usr/local/cache)"],
    ["/usr/local/cache/x", "read", true, "profile default: filesystem.read[0] (/usr)"],
    [
      "/usr/bin/env",
      "write",
      false,
      "no rule grants write to /usr/bin/env; the closest rule, profile default: filesystem.read[0] (/usr), grants only read",
    ],
    [
      "/etc/passwd",
      "write",
      false,
      "the closest rule, profile default: filesystem.read[11] (/etc/passwd), grants only read",
    ],
    ["/etc/shadow", "read", false, "no rule grants read to /etc/shadow or beneath /etc"],
    ["/workshop", "read", false, "no rule grants read to /workshop or beneath /"],
  ];
  for (const [path, op, allowed, reason] of cases) {
    const answer = whyPath(policy(), path, op);
    equal(answer.allowed, allowed, `${op} ${path}`);
    ok(answer.reason.includes(reason), `${op} ${path}: ${answer.reason}`);
    equal(answer.question, `${op} ${path}`);
  }
  deepEqual(whyPath(policy(), "/usr/x", "read").rule?.path, "/usr");
});

Deno.test("whyPort() follows the network mode and port lists", () => {
  const cases: [Partial<Policy["network"]>, number, boolean, boolean, string][] = [
    [{}, 5432, false, true, "--allow-port"],
    [{}, 3000, true, true, "profile dev: network.listen_ports[0]"],
    [
      {},
      443,
      false,
      false,
      "network mode proxy: only the proxy's port and 5432 may be reached; other traffic goes through the proxy",
    ],
    [
      {},
      8080,
      true,
      false,
      "no rule grants binding port 8080 (network mode proxy; listen ports: 3000)",
    ],
    [{ mode: "none" }, 5432, false, false, "network mode none"],
    [{ mode: "none" }, 3000, true, false, "network mode none"],
    [{ mode: "open" }, 443, false, true, "network mode open"],
    [{ origins: undefined }, 5432, false, true, "allowed connect port"],
  ];
  for (const [net, port, bind, allowed, reason] of cases) {
    const answer = whyPort(policy(net), port, { bind });
    equal(answer.allowed, allowed, `${port} ${bind}`);
    equal(answer.reason, reason);
  }
  equal(whyPort(policy(), 80, { bind: true }).question, "bind TCP port 80");
  equal(whyPort(policy(), 80, { bind: false }).question, "connect to TCP port 80");
});
