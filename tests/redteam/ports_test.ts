/**
 * The network layer against issue 9's text.
 *
 * - Spec gap: "in the host namespace the session proxy then listens on no TCP port at
 *   all". It still listens on the host's `127.0.0.1:P` (and its two internal servers on
 *   more loopback ports), and airlock relays the bridge's `proxy.sock` to that port: every
 *   local process of every user reaches the proxy, whose phantom token is then the only
 *   barrier.
 * - Functional: `--listen-port N` below 1024 cannot work: the command has no
 *   capability and the sandbox's network namespace keeps
 *   `net.ipv4.ip_unprivileged_port_start = 1024`, so its `bind()` fails (EACCES) while
 *   airlock listens on the host's port for nothing. The helper holds CAP_NET_ADMIN over
 *   that namespace and could set the sysctl to 0 there (Landlock still limits the ports).
 */

import { equal, ok } from "node:assert/strict";
import { airlock, linuxOnly, py, rootOnly, tree } from "./_redteam.ts";

async function waitFile(path: string, ms: number): Promise<string> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const text = (await Deno.readTextFile(path)).trim();
      if (text !== "") return text;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${path} did not appear`);
}

Deno.test(
  "redteam: the session proxy listens on no TCP port of the host",
  linuxOnly,
  async () => {
    await using t = await tree("proxyport");
    const session = airlock(
      t,
      `echo "\${HTTPS_PROXY##*:}" > port.txt; sleep 3`,
      ["--allow-domain", "example.com"],
    );
    const port = Number(await waitFile(`${t.work}/port.txt`, 15_000));
    ok(port > 0, `no proxy port in the sandbox's HTTPS_PROXY`);
    let reached = false;
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      reached = true;
    } catch {
      // nothing listens: as the issue asks
    }
    const out = await session;
    equal(out.code, 0, out.stderr);
    equal(reached, false, `the host's 127.0.0.1:${port} accepted a connection`);
  },
);

function freeLowPort(): number {
  for (let port = 1023; port > 900; port--) {
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
      return port;
    } catch {
      // taken
    }
  }
  throw new Error("no free port below 1024");
}

Deno.test(
  "redteam: --listen-port below 1024 can be bound by the command",
  rootOnly,
  async () => {
    await using t = await tree("lowport");
    const port = freeLowPort();
    const out = await airlock(
      t,
      py(
        `import socket\ns=socket.socket()\ns.bind(("127.0.0.1",${port}))\ns.listen()\nprint("bound")`,
      ),
      ["--listen-port", String(port)],
    );
    equal(out.code, 0, out.stderr);
    equal(out.stdout.trim(), "bound");
  },
);
