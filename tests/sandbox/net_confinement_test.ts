/**
 * Network confinement against the real kernel, on loopback only: TCP ports through
 * Landlock, UDP and UNIX sockets through seccomp and Landlock scoping.
 */

import { NO_NAMESPACES_ENV } from "../../src/sandbox/namespaces/support.ts";
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import dgram from "node:dgram";
import { makeDirs, makePolicy, PYTHON, runConfined, runPython } from "./_helpers.ts";

const linuxOnly = { ignore: Deno.build.os !== "linux" };

const CONNECT = `
import socket, sys
for port in sys.argv[1:]:
    s = socket.socket()
    try:
        s.connect(("127.0.0.1", int(port))); print(port, "connected")
    except OSError as e:
        print(port, "denied", e.errno)
`;

/** A loopback TCP server that accepts and closes connections. */
function tcpServer(): { port: number; close: () => Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const loop = (async () => {
    try {
      for await (const conn of listener) conn.close();
    } catch {
      // listener closed
    }
  })();
  return {
    port: listener.addr.port,
    close: async () => {
      listener.close();
      await loop;
    },
  };
}

/** A port that was free a moment ago. */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
}

Deno.test(
  "landlock allows TCP connect to a granted port and denies another",
  linuxOnly,
  async () => {
    await using d = await makeDirs();
    const granted = tcpServer();
    const other = tcpServer();
    try {
      const policy = makePolicy({ workdir: d.workdir, net: "none", connectPorts: [granted.port] });
      const r = await runConfined(policy, [
        PYTHON,
        "-c",
        CONNECT,
        `${granted.port}`,
        `${other.port}`,
      ]);
      assertEquals(r.code, 0, r.stderr);
      assertEquals(r.stdout, `${granted.port} connected\n${other.port} denied 13\n`);
    } finally {
      await granted.close();
      await other.close();
    }
  },
);

Deno.test("landlock grants the proxy port in proxy mode", linuxOnly, async () => {
  await using d = await makeDirs();
  const proxy = tcpServer();
  try {
    const policy = makePolicy({ workdir: d.workdir, net: "proxy" });
    const r = await runConfined(policy, [PYTHON, "-c", CONNECT, `${proxy.port}`], {
      proxyPort: proxy.port,
    });
    assertEquals(r.stdout, `${proxy.port} connected\n`, r.stderr);
    const without = await runConfined(policy, [PYTHON, "-c", CONNECT, `${proxy.port}`]);
    assertEquals(without.stdout, `${proxy.port} denied 13\n`, without.stderr);
  } finally {
    await proxy.close();
  }
});

Deno.test("open network mode leaves TCP unrestricted (control)", linuxOnly, async () => {
  await using d = await makeDirs();
  const server = tcpServer();
  try {
    const r = await runConfined(makePolicy({ workdir: d.workdir, net: "open" }), [
      PYTHON,
      "-c",
      CONNECT,
      `${server.port}`,
    ]);
    assertEquals(r.stdout, `${server.port} connected\n`, r.stderr);
  } finally {
    await server.close();
  }
});

/** A loopback TCP server that records what each connection sends first. */
function recordingServer(): { port: number; received: string[]; close: () => Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const received: string[] = [];
  const loop = (async () => {
    try {
      for await (const conn of listener) {
        const buf = new Uint8Array(64);
        const n = await conn.read(buf).catch(() => null);
        if (n) received.push(new TextDecoder().decode(buf.subarray(0, n)));
        conn.close();
      }
    } catch {
      // listener closed
    }
  })();
  return {
    port: listener.addr.port,
    received,
    close: async () => {
      listener.close();
      await loop;
    },
  };
}

Deno.test(
  "seccomp denies TCP Fast Open, which connects past Landlock; open mode allows it (control)",
  linuxOnly,
  async () => {
    await using d = await makeDirs();
    const server = recordingServer();
    const attempt = `
import socket
s = socket.socket()
try:
    s.sendto(b"tfo-sendto", socket.MSG_FASTOPEN, ("127.0.0.1", ${server.port})); print("sendto sent")
except OSError as e:
    print("sendto denied", e.errno)
s = socket.socket()
try:
    s.sendmsg([b"tfo-sendmsg"], [], socket.MSG_FASTOPEN, ("127.0.0.1", ${server.port})); print("sendmsg sent")
except OSError as e:
    print("sendmsg denied", e.errno)
s = socket.socket()
s.setsockopt(socket.IPPROTO_TCP, 30, 1)  # TCP_FASTOPEN_CONNECT
try:
    s.connect(("127.0.0.1", ${server.port})); s.send(b"tfo-connect"); print("connect sent")
except OSError as e:
    print("connect denied", e.errno)
`;
    try {
      const none = await runPython(makePolicy({ workdir: d.workdir, net: "none" }), attempt);
      assertEquals(
        none.stdout,
        "sendto denied 1\nsendmsg denied 1\nconnect denied 13\n",
        none.stderr,
      );
      assertEquals(server.received, []);
      const open = await runPython(makePolicy({ workdir: d.workdir, net: "open" }), attempt);
      assertEquals(open.stdout, "sendto sent\nsendmsg sent\nconnect sent\n", open.stderr);
    } finally {
      await server.close();
    }
  },
);

Deno.test("landlock denies binding a port that is not granted", linuxOnly, async () => {
  await using d = await makeDirs();
  const [denied, allowed] = [freePort(), freePort()];
  const r = await runPython(
    makePolicy({ workdir: d.workdir, bindPorts: [allowed] }),
    `
import socket
for port in (${denied}, ${allowed}):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port)); s.listen(); print(port, "bound")
    except OSError as e:
        print(port, "denied", e.errno)
`,
  );
  assertEquals(r.stdout, `${denied} denied 13\n${allowed} bound\n`, r.stderr);
});

Deno.test(
  "seccomp denies listen() on an unbound socket when no port may be bound",
  linuxOnly,
  async () => {
    await using d = await makeDirs();
    const code = `
import socket
s = socket.socket()
try:
    s.listen(); print("listening")
except OSError as e:
    print("denied", e.errno)
`;
    const none = await runPython(makePolicy({ workdir: d.workdir }), code);
    assertEquals(none.stdout, "denied 1\n", none.stderr);
    const open = await runPython(makePolicy({ workdir: d.workdir, net: "open" }), code);
    assertEquals(open.stdout, "listening\n", open.stderr);
  },
);

Deno.test(
  "seccomp denies UDP to loopback; open mode delivers it (control)",
  linuxOnly,
  async () => {
    await using d = await makeDirs();
    const server = dgram.createSocket("udp4");
    const received: string[] = [];
    const got = new Promise<void>((resolve) =>
      server.on("message", (msg) => {
        received.push(msg.toString());
        resolve();
      })
    );
    await new Promise<void>((resolve) => server.bind(0, "127.0.0.1", resolve));
    const port = server.address().port;
    const send = `
import socket
try:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.sendto(b"leak", ("127.0.0.1", ${port})); print("sent")
except OSError as e:
    print("denied", e.errno)
`;
    try {
      const none = await runPython(makePolicy({ workdir: d.workdir, net: "none" }), send);
      assertEquals(none.stdout, "denied 1\n", none.stderr);
      const proxy = await runPython(makePolicy({ workdir: d.workdir, net: "proxy" }), send);
      assertEquals(proxy.stdout, "denied 1\n", proxy.stderr);
      assertEquals(received, []);
      const open = await runPython(makePolicy({ workdir: d.workdir, net: "open" }), send);
      assertEquals(open.stdout, "sent\n", open.stderr);
      await got;
      assertEquals(received, ["leak"]);
    } finally {
      server.close();
    }
  },
);

Deno.test("seccomp denies connecting to a pathname UNIX socket", linuxOnly, async () => {
  await using d = await makeDirs();
  const path = `${d.outside}/agent.sock`;
  const listener = Deno.listen({ transport: "unix", path });
  const loop = (async () => {
    try {
      for await (const conn of listener) conn.close();
    } catch {
      // closed
    }
  })();
  try {
    const r = await runPython(
      makePolicy({ workdir: d.workdir, read: [d.outside] }),
      `
import socket
try:
    s = socket.socket(socket.AF_UNIX); s.connect("${path}"); print("connected")
except OSError as e:
    print("denied", e.errno)
`,
    );
    assertEquals(r.stdout, "denied 1\n", r.stderr);
  } finally {
    listener.close();
    await loop;
  }
});

Deno.test(
  "landlock scoping denies connecting to an abstract UNIX socket outside",
  linuxOnly,
  async () => {
    await using d = await makeDirs();
    const name = `airlock-test-${crypto.randomUUID()}`;
    const server = new Deno.Command(PYTHON, {
      args: [
        "-c",
        `
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind("\\0${name}"); s.listen()
print("ready", flush=True)
while True:
    c, _ = s.accept(); c.sendall(b"hi"); c.close()
`,
      ],
      stdout: "piped",
    }).spawn();
    const reader = server.stdout.getReader();
    await reader.read(); // "ready"
    const client = `
import socket
try:
    s = socket.socket(socket.AF_UNIX); s.connect("\\0${name}"); print("connected", s.recv(2).decode())
except OSError as e:
    print("denied", e.errno)
`;
    try {
      const control = await new Deno.Command(PYTHON, { args: ["-c", client] }).output();
      assertEquals(new TextDecoder().decode(control.stdout), "connected hi\n");
      // Landlock alone (no namespaces): scoping refuses the connection (EPERM).
      const landlockOnly = { airlockEnv: { [NO_NAMESPACES_ENV]: "1" } };
      const withUnix = await runPython(
        makePolicy({ workdir: d.workdir, allowUnixSockets: true, bestEffort: true }),
        client,
        landlockOnly,
      );
      assertEquals(withUnix.stdout, "denied 1\n", withUnix.stderr);
      // seccomp refuses the socket itself when UNIX sockets are not allowed.
      const noUnix = await runPython(
        makePolicy({ workdir: d.workdir, bestEffort: true }),
        client,
        landlockOnly,
      );
      assertEquals(noUnix.stdout, "denied 1\n", noUnix.stderr);
      // The network namespace alone (Landlock pretended away): the name does not exist there.
      const namespaceOnly = await runPython(
        makePolicy({ workdir: d.workdir, allowUnixSockets: true, bestEffort: true }),
        client,
        { airlockEnv: { AIRLOCK_TEST_PRETEND_ABI: "0" } },
      );
      assertEquals(namespaceOnly.stdout, "denied 111\n", namespaceOnly.stderr);
    } finally {
      server.kill("SIGKILL");
      await reader.cancel();
      await server.status;
    }
  },
);
