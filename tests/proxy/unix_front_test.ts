/**
 * The proxy listening on a UNIX socket (`listenPath`), reached by real clients through
 * the socket (raw connections, `curl --unix-socket`) and through a bridge on 127.0.0.1
 * (as the sandbox reaches it): the same token checks, CONNECT egress and audit records
 * as over TCP, a 0600 socket, and no TCP port of the proxy's own.
 */

import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { ProxyError } from "../../src/errors.ts";
import { buildProxyApp } from "../../src/proxy/app.ts";
import { createDialer } from "../../src/proxy/dialer.ts";
import { serveProxy } from "../../src/proxy/server.ts";
import { startSessionProxy } from "../../src/proxy/session.ts";
import { auditRecords, type Harness, startHarness, testPolicy } from "./_support/harness.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };
const pin = (port: number) => [`allowed.test:${port}:127.0.0.1`];
const enc = new TextEncoder();
const dec = new TextDecoder();

function connectTo(h: Harness): Promise<Deno.Conn> {
  return h.proxy.listenPath
    ? Deno.connect({ transport: "unix", path: h.proxy.listenPath })
    : Deno.connect({ hostname: "127.0.0.1", port: h.proxy.port });
}

/** Reads until the end of a response head (and `extra` more bytes of body at most). */
async function readHead(conn: Deno.Conn): Promise<string> {
  let text = "";
  const buf = new Uint8Array(4096);
  while (!text.includes("\r\n\r\n")) {
    const n = await conn.read(buf);
    if (n === null) break;
    text += dec.decode(buf.subarray(0, n));
  }
  return text;
}

async function exchange(h: Harness, request: string): Promise<string> {
  const conn = await connectTo(h);
  try {
    await conn.write(enc.encode(request));
    let text = "";
    const buf = new Uint8Array(4096);
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      text += dec.decode(buf.subarray(0, n));
    }
    return text;
  } finally {
    conn.close();
  }
}

function status(response: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
}

function basic(h: Harness): string {
  const u = new URL(h.proxy.env.HTTPS_PROXY!);
  return `Basic ${btoa(`${u.username}:${decodeURIComponent(u.password)}`)}`;
}

/** The same requests over either way in; returns the statuses seen. */
async function scenario(h: Harness): Promise<number[]> {
  const token = h.proxy.env.OPENAI_API_KEY!;
  const get = (auth: string) =>
    `GET /openai/v1/models HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`;
  const out = [
    status(await exchange(h, get(""))),
    status(await exchange(h, get("Authorization: Bearer sk-proj-wrong\r\n"))),
    status(await exchange(h, get(`Authorization: Bearer ${token}\r\n`))),
  ];
  // CONNECT without credentials: 407, then the retry on the same connection.
  const conn = await connectTo(h);
  const target = `allowed.test:${h.up.port}`;
  await conn.write(enc.encode(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`));
  out.push(status(await readHead(conn)));
  await conn.write(
    enc.encode(
      `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\nProxy-Authorization: ${basic(h)}\r\n\r\n`,
    ),
  );
  out.push(status(await readHead(conn)));
  conn.close();
  out.push(status(
    await exchange(
      h,
      `CONNECT refused.test:443 HTTP/1.1\r\nHost: refused.test:443\r\nProxy-Authorization: ${
        basic(h)
      }\r\n\r\n`,
    ),
  ));
  out.push(status(
    await exchange(
      h,
      `GET http://refused.test/x?k=v HTTP/1.1\r\nHost: refused.test\r\nProxy-Authorization: ${
        basic(h)
      }\r\nConnection: close\r\n\r\n`,
    ),
  ));
  return out;
}

/** Audit records without what differs between two sessions (times, ports). */
function normalised(h: Harness): Record<string, unknown>[] {
  return auditRecords(h).map((r) => {
    const { time: _t, durationMs: _d, prev: _p, ...rest } = r;
    return JSON.parse(JSON.stringify(rest).replaceAll(String(h.up.port), "PORT"));
  });
}

async function waitForRecords(h: Harness, n: number): Promise<void> {
  for (let i = 0; i < 100 && auditRecords(h).length < n; i++) {
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

/** TCP ports this process listens on (from /proc: the sockets among its descriptors). */
function listeningPorts(): Set<number> {
  const inodes = new Set<string>();
  for (const e of Deno.readDirSync("/proc/self/fd")) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(Deno.readLinkSync(`/proc/self/fd/${e.name}`));
      if (m) inodes.add(m[1]!);
    } catch { /* closed meanwhile */ }
  }
  const ports = new Set<number>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of Deno.readTextFileSync(table).split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === "0A" && inodes.has(f[9] ?? "")) {
        ports.add(parseInt(f[1]!.split(":")[1]!, 16));
      }
    }
  }
  return ports;
}

const ALONE = "AIRLOCK_TEST_PORTS_ALONE";
const PORTS_TEST =
  "startSessionProxy() with listenPath serves a 0600 UNIX socket and no TCP port of its own";

Deno.test({
  ...opts,
  name: PORTS_TEST,
  ignore: Deno.build.os !== "linux",
  async fn() {
    if (!Deno.env.get(ALONE)) {
      // /proc/self lists the listeners of every test module running in parallel in this
      // process: count this one's in a process of its own.
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "test",
          "-A",
          "--no-check=remote",
          "--filter",
          PORTS_TEST,
          new URL(import.meta.url).pathname,
        ],
        env: { [ALONE]: "1" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = dec.decode(out.stdout) + dec.decode(out.stderr);
      assert(out.success && /1 passed/.test(text), text);
      return;
    }
    const before = listeningPorts();
    const h = await startHarness({ unix: true, allowDomains: ["allowed.test"], resolve: pin });
    try {
      const path = h.proxy.listenPath!;
      assertEquals((Deno.statSync(path).mode ?? 0) & 0o777, 0o600);
      assert(Deno.statSync(path).isSocket);
      assertEquals(h.proxy.port, h.bridge!.port);
      // The internal sockets: in airlock's state directory (outside every grant), 0700.
      const run = `${h.stateHome}/airlock/run`;
      const internal = [...Deno.readDirSync(run)].filter((e) => e.name.startsWith("proxy-"));
      assertEquals(internal.length, 1, [...Deno.readDirSync(run)].map((e) => e.name).join());
      assertEquals((Deno.statSync(`${run}/${internal[0]!.name}`).mode ?? 0) & 0o777, 0o700);
      assert(Deno.statSync(`${run}/${internal[0]!.name}/reverse.sock`).isSocket);
      // New TCP listeners of this process: the bridge (the test's) and the upstream hop.
      const added = [...listeningPorts()].filter((p) => !before.has(p) && p !== h.up.port);
      const own = added.filter((p) => p !== h.bridge!.port);
      assert(
        own.length <= 1,
        `the proxy listens on TCP ports ${own.join(", ")} (bridge ${
          h.bridge!.port
        }, upstream ${h.up.port})`,
      );
      for (const port of own) {
        // That one is the upstream hop: it serves nothing to a client (it may reset us).
        const c = await Deno.connect({ hostname: "127.0.0.1", port });
        const head = await c.write(
          enc.encode(
            `GET /openai/v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${h.proxy.env
              .OPENAI_API_KEY!}\r\n\r\n`,
          ),
        ).then(() => readHead(c)).catch(() => "");
        c.close();
        assert(status(head) !== 200, head);
      }
    } finally {
      await h.close();
    }
  },
});

Deno.test({
  ...opts,
  name: "the proxy answers and audits the same through its UNIX socket as over TCP",
  async fn() {
    const tcp = await startHarness({ allowDomains: ["allowed.test"], resolve: pin });
    const unix = await startHarness({
      ca: tcp.ca,
      unix: true,
      allowDomains: ["allowed.test"],
      resolve: pin,
    });
    try {
      const a = await scenario(tcp);
      const b = await scenario(unix);
      assertEquals(a, [401, 401, 200, 407, 200, 403, 403]);
      assertEquals(b, a);
      // The upstream got the real key, never the phantom token, over both.
      for (const h of [tcp, unix]) {
        const seen = h.up.seen.at(-1)!;
        assertEquals(seen.headers.authorization, `Bearer ${h.secrets.openai}`);
      }
      await waitForRecords(tcp, 7);
      await waitForRecords(unix, 7);
      assertEquals(normalised(unix), normalised(tcp));
      assertEquals(normalised(tcp).length, 7);
    } finally {
      await unix.close();
      await tcp.close();
    }
  },
});

async function run(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command("curl", {
    args,
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: "/tmp", ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test({
  ...opts,
  name: "curl reaches the UNIX-socket proxy directly and through the bridge with its variables",
  async fn() {
    const h = await startHarness({ unix: true, allowDomains: ["allowed.test"], resolve: pin });
    try {
      const direct = await run([
        "-sS",
        "--unix-socket",
        h.proxy.listenPath!,
        "-H",
        `Authorization: Bearer ${h.proxy.env.OPENAI_API_KEY}`,
        "http://localhost/openai/v1/models",
      ]);
      assertEquals(direct.code, 0, direct.stderr);
      assert(direct.stdout.includes('"ok":true'), direct.stdout);
      // Base URL from the variables: 127.0.0.1:<advertised port>, through the bridge.
      assert(h.proxy.env.OPENAI_BASE_URL!.startsWith(`http://127.0.0.1:${h.bridge!.port}/`));
      const viaBase = await run([
        "-sS",
        "-H",
        `Authorization: Bearer ${h.proxy.env.OPENAI_API_KEY}`,
        `${h.proxy.env.OPENAI_BASE_URL}/models`,
      ]);
      assert(viaBase.stdout.includes('"ok":true'), viaBase.stdout + viaBase.stderr);
      // CONNECT through HTTPS_PROXY (curl sends the credentials from the URL).
      const tunnel = await run([
        "-sS",
        "--cacert",
        h.ca.caFile,
        `https://allowed.test:${h.up.port}/through-unix`,
      ], { HTTPS_PROXY: h.proxy.env.HTTPS_PROXY! });
      assertEquals(tunnel.code, 0, tunnel.stderr);
      assert(tunnel.stdout.includes('"path":"/through-unix"'), tunnel.stdout);
    } finally {
      await h.close();
    }
  },
});

Deno.test("startSessionProxy() with listenPath refuses a directory others can enter", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.chmod(dir, 0o755);
  const state = await Deno.makeTempDir();
  try {
    await rejects(
      startSessionProxy(testPolicy({}), {
        listenPath: `${dir}/proxy.sock`,
        advertisedPort: 3128,
        stateEnv: { XDG_STATE_HOME: state },
      }),
      (err: Error) =>
        err instanceof ProxyError && err.message.includes(dir) &&
        (err as ProxyError).hint === "create the socket's directory with mode 0700",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(state, { recursive: true });
  }
});

const BAD_LISTEN: [string, Record<string, unknown>, string][] = [
  ["listenPath without advertisedPort", { listenPath: "/tmp/x/p.sock" }, "advertisedPort"],
  ["advertisedPort without listenPath", { advertisedPort: 3128 }, "needs listenPath"],
  [
    "both port and listenPath",
    { listenPath: "/tmp/x.sock", port: 1, advertisedPort: 2 },
    "not both",
  ],
  ["a relative listenPath", { listenPath: "p.sock", advertisedPort: 2 }, "absolute"],
  [
    "an advertisedPort out of range",
    { listenPath: "/tmp/p.sock", advertisedPort: 70000 },
    "1 to 65535",
  ],
];

for (const [what, options, text] of BAD_LISTEN) {
  Deno.test(`startSessionProxy() refuses ${what}`, async () => {
    await rejects(
      startSessionProxy(testPolicy({}), options),
      (err: Error) => err instanceof ProxyError && err.message.includes(text),
    );
  });
}

Deno.test({
  ...opts,
  name: "serveProxy() removes its UNIX socket and its private directory of internal sockets",
  async fn() {
    const dir = await Deno.makeTempDir();
    await Deno.chmod(dir, 0o700);
    const path = `${dir}/proxy.sock`;
    const app = buildProxyApp({
      routes: new Map(),
      upstreamFetch: () => Promise.reject(new Error("no upstream")),
      audit: () => {},
    });
    const server = await serveProxy(app, {
      proxyToken: "t",
      allowDomains: [],
      dialer: createDialer({ pins: new Map(), allowRanges: [] }),
      audit: () => {},
    }, { path });
    assertEquals(server.path, path);
    assertEquals((Deno.statSync(server.internalDir).mode ?? 0) & 0o777, 0o700);
    const inside = [...Deno.readDirSync(server.internalDir)].map((e) => e.name);
    assert(inside.includes("reverse.sock"), inside.join());
    assert(!inside.some((n) => path.endsWith(n)));
    await server.close();
    await server.close();
    await rejects(Deno.stat(path));
    await rejects(Deno.stat(server.internalDir));
    await rejects(Deno.connect({ transport: "unix", path }));
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "serveProxy() starts for every length of its internal parent: a name too long for a socket falls back to the temporary directory",
  async fn() {
    const root = await Deno.makeTempDir();
    await Deno.chmod(root, 0o700);
    const app = buildProxyApp({
      routes: new Map(),
      upstreamFetch: () => Promise.reject(new Error("no upstream")),
      audit: () => {},
    });
    let underParent = 0;
    // Parents from well inside the limit to past it, each started several times: the random
    // part of a temporary name varies in length, so one start per length is not enough.
    for (let length = 60; length <= 90; length++) {
      const parent = `${root}/${"p".repeat(Math.max(1, length - root.length - 1))}`;
      for (let i = 0; i < 4; i++) {
        const server = await serveProxy(
          app,
          {
            proxyToken: "t",
            allowDomains: [],
            dialer: createDialer({ pins: new Map(), allowRanges: [] }),
            audit: () => {},
          },
          { port: 0 },
          { internalParent: parent },
        );
        assert(`${server.internalDir}/reverse.sock`.length <= 107, server.internalDir);
        if (server.internalDir.startsWith(parent)) underParent++;
        await server.close();
      }
    }
    assert(underParent > 0, "no internal directory was made under its parent");
    await Deno.remove(root, { recursive: true });
  },
});
