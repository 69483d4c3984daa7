/**
 * The escape battery through the real CLI: `airlock run` with the built-in `default`
 * profile, each case a confined command that tries something and must fail, beside a
 * control that must succeed. "Outside" lives under /var/tmp (the default profile grants
 * $TMPDIR); HOME is a throw-away directory so protected paths can be planted safely.
 */

import { equal, match, ok } from "node:assert/strict";
import { REPO, runCli } from "../_cli.ts";

const linuxOnly = { ignore: Deno.build.os !== "linux" };
const PYTHON = "/usr/bin/python3";

/** A fresh workdir, an outside directory and a fake HOME, removed on dispose. */
async function sandboxDirs() {
  const root = await Deno.makeTempDir({ dir: "/var/tmp", prefix: "airlock-cli-" });
  const dirs = {
    root,
    work: `${root}/work`,
    outside: `${root}/outside`,
    home: `${root}/home`,
    async [Symbol.asyncDispose]() {
      await Deno.remove(root, { recursive: true });
    },
  };
  for (const d of [dirs.work, dirs.outside, dirs.home]) await Deno.mkdir(d);
  await Deno.writeTextFile(`${dirs.outside}/secret.txt`, "outside-secret\n");
  await Deno.writeTextFile(`${dirs.work}/mine.txt`, "inside\n");
  return dirs;
}

type Dirs = Awaited<ReturnType<typeof sandboxDirs>>;

/** Runs `airlock run [flags] -- sh -c SCRIPT` in the workdir with the fake HOME. */
function airlockSh(
  d: Dirs,
  script: string,
  flags: string[] = [],
  env: Record<string, string> = {},
) {
  return runCli(["run", ...flags, "--", "/bin/sh", "-c", script], {
    cwd: d.work,
    env: { HOME: d.home, XDG_STATE_HOME: `${d.home}/.local/state`, ...env },
  });
}

interface ShCase {
  name: string;
  /** Script whose last command must fail (denied) … */
  denied: (d: Dirs) => string;
  /** … and whose control counterpart must succeed. */
  control: (d: Dirs) => string;
}

const shCases: ShCase[] = [
  {
    name: "reading a file outside the grants",
    denied: (d) => `cat ${d.outside}/secret.txt`,
    control: () => `cat mine.txt`,
  },
  {
    name: "writing a file outside the grants",
    denied: (d) => `echo x > ${d.outside}/new.txt`,
    control: () => `echo x > new.txt`,
  },
  {
    name: "renaming a file out of the workdir",
    denied: (d) => `mv mine.txt ${d.outside}/moved.txt`,
    control: () => `mv mine.txt moved.txt`,
  },
  {
    name: "renaming a file into the workdir",
    denied: (d) => `mv ${d.outside}/secret.txt stolen.txt`,
    control: () => `cp mine.txt copy.txt && mv copy.txt moved.txt`,
  },
  {
    name: "hard-linking a file out of the workdir",
    denied: (d) => `ln mine.txt ${d.outside}/link.txt`,
    control: () => `ln mine.txt link.txt`,
  },
  {
    name: "hard-linking a file into the workdir",
    denied: (d) => `ln ${d.outside}/secret.txt link.txt`,
    control: () => `ln mine.txt link.txt`,
  },
  {
    name: "following a symlink that points outside",
    denied: (d) => `ln -s ${d.outside}/secret.txt sym.txt && cat sym.txt`,
    control: () => `ln -s mine.txt sym2.txt && cat sym2.txt`,
  },
];

/**
 * The two launch shapes: without a proxy, and with one (here forced by an allowed domain:
 * the network bridge runs beside the command). Both run the command in its own PID
 * namespace with airlock outside as its supervisor; cases about the parent run in both.
 */
const LAUNCH_MODES = [
  { name: "without a proxy", flags: [] as string[] },
  { name: "with a proxy", flags: ["--allow-domain", "example.com"] },
];

const parentCases: ShCase[] = [
  {
    name: "signalling the parent",
    denied: () => `kill -0 $PPID`,
    control: () => `kill -0 $$`,
  },
  {
    name: "reading the parent's /proc/PID/environ",
    denied: () => `cat /proc/$PPID/environ`,
    control: () => `cat /proc/$$/environ >/dev/null`,
  },
];

const cases = [
  ...shCases.map((c) => ({ ...c, mode: LAUNCH_MODES[0]! })),
  ...parentCases.flatMap((c) => LAUNCH_MODES.map((mode) => ({ ...c, mode }))),
];

for (const c of cases) {
  Deno.test(`airlock run denies ${c.name} (${c.mode.name})`, linuxOnly, async () => {
    await using d = await sandboxDirs();
    const denied = await airlockSh(d, c.denied(d), c.mode.flags);
    ok(denied.code !== 0, `expected a failure, got 0: ${denied.stdout}`);
    ok(!denied.stdout.includes("outside-secret"), denied.stdout);
    // Landlock answers EACCES/EPERM, and EXDEV for a denied rename or link (refer); the
    // mount namespace answers EROFS for writes outside the write grants.
    match(
      denied.stderr,
      /Permission denied|Operation not permitted|cross-device link|Read-only file system/i,
    );
    const control = await airlockSh(d, c.control(d), c.mode.flags);
    equal(control.code, 0, `control failed: ${control.stderr}`);
  });
}

for (const mode of LAUNCH_MODES) {
  Deno.test(
    `airlock run ${mode.name}: the command is PID 2 of its own PID namespace, below airlock`,
    linuxOnly,
    async () => {
      await using d = await sandboxDirs();
      const airlock = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--quiet",
          `${REPO}main.ts`,
          "run",
          ...mode.flags,
          "--",
          "/bin/sh",
          "-c",
          "echo $$ $PPID",
        ],
        cwd: d.work,
        env: { HOME: d.home },
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const out = await airlock.output();
      equal(out.code, 0, new TextDecoder().decode(out.stderr));
      equal(new TextDecoder().decode(out.stdout), "2 1\n", "the command's own PID namespace");
    },
  );
}

Deno.test(
  "airlock run denies another process's /proc/PID/environ (a sibling)",
  linuxOnly,
  async () => {
    await using d = await sandboxDirs();
    const sibling = new Deno.Command("sleep", {
      args: ["30"],
      env: { SIBLING_SECRET: "sibling-secret-value" },
      stdout: "null",
    }).spawn();
    try {
      const r = await airlockSh(d, `cat /proc/${sibling.pid}/environ`);
      ok(r.code !== 0);
      ok(!r.stdout.includes("sibling-secret-value"));
    } finally {
      sibling.kill("SIGKILL");
      await sibling.status;
    }
  },
);

for (const mode of LAUNCH_MODES) {
  Deno.test(`airlock run denies ptrace of the parent (${mode.name})`, linuxOnly, async () => {
    await using d = await sandboxDirs();
    const r = await runCli([
      "run",
      ...mode.flags,
      "--",
      PYTHON,
      "-c",
      "import ctypes,os\nlibc=ctypes.CDLL(None,use_errno=True)\n" +
      "print('attached' if libc.ptrace(16, os.getppid(), None, None) == 0 else 'denied')",
    ], { cwd: d.work, env: { HOME: d.home } });
    equal(r.stdout.trim(), "denied", r.stderr);
  });
}

Deno.test("airlock run exits 126 for a binary outside the read grants", linuxOnly, async () => {
  await using d = await sandboxDirs();
  await Deno.copyFile("/bin/true", `${d.outside}/true`);
  await Deno.chmod(`${d.outside}/true`, 0o755);
  const r = await runCli(["run", "--", `${d.outside}/true`], {
    cwd: d.work,
    env: { HOME: d.home },
  });
  equal(r.code, 126, r.stderr);
  const control = await runCli(["run", "--", "/bin/true"], { cwd: d.work, env: { HOME: d.home } });
  equal(control.code, 0, control.stderr);
});

Deno.test("airlock run exits 127 for a command that does not exist", linuxOnly, async () => {
  await using d = await sandboxDirs();
  const r = await runCli(["run", "--", "no-such-command-xyz"], {
    cwd: d.work,
    env: { HOME: d.home },
  });
  equal(r.code, 127);
  match(r.stderr, /no-such-command-xyz/);
});

const NET = `
import socket, sys
kind, port = sys.argv[1], int(sys.argv[2])
try:
    if kind == "connect":
        socket.create_connection(("127.0.0.1", port), timeout=5)
    elif kind == "bind":
        socket.socket().bind(("127.0.0.1", port))
    elif kind == "udp":
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", port))
    elif kind == "unix":
        s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[3])
    elif kind == "abstract":
        s = socket.socket(socket.AF_UNIX); s.connect("\\0" + sys.argv[3])
    print("allowed")
except OSError as e:
    print("denied", e.errno)
`;

function tcpServer() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  (async () => {
    try {
      for await (const conn of listener) conn.close();
    } catch { /* closed */ }
  })();
  return listener;
}

async function net(d: Dirs, args: string[], flags: string[] = []) {
  const r = await runCli(["run", ...flags, "--", PYTHON, "-c", NET, ...args], {
    cwd: d.work,
    env: { HOME: d.home },
  });
  equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

Deno.test("airlock run denies TCP connect to a loopback port not granted", linuxOnly, async () => {
  await using d = await sandboxDirs();
  const server = tcpServer();
  try {
    const port = `${server.addr.port}`;
    match(await net(d, ["connect", port]), /^denied/);
    equal(await net(d, ["connect", port], ["--allow-port", port]), "allowed");
  } finally {
    server.close();
  }
});

Deno.test("airlock run denies binding a TCP port not granted", linuxOnly, async () => {
  await using d = await sandboxDirs();
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = `${probe.addr.port}`;
  probe.close();
  match(await net(d, ["bind", port]), /^denied/);
  equal(await net(d, ["bind", port], ["--listen-port", port]), "allowed");
});

Deno.test("airlock run denies UDP to loopback unless the network is open", linuxOnly, async () => {
  await using d = await sandboxDirs();
  match(await net(d, ["udp", "9"]), /^denied 1$/);
  equal(await net(d, ["udp", "9"], ["--net", "open"]), "allowed");
});

Deno.test(
  "airlock run denies connecting to a pathname UNIX socket outside",
  linuxOnly,
  async () => {
    await using d = await sandboxDirs();
    const path = `${d.outside}/agent.sock`;
    const listener = Deno.listen({ transport: "unix", path });
    try {
      match(await net(d, ["unix", "0", path]), /^denied/);
    } finally {
      listener.close();
    }
  },
);

Deno.test(
  "airlock run denies connecting to an abstract UNIX socket outside",
  linuxOnly,
  async () => {
    await using d = await sandboxDirs();
    const name = `airlock-test-${crypto.randomUUID()}`;
    const server = new Deno.Command(PYTHON, {
      args: [
        "-c",
        "import socket,sys,time\ns=socket.socket(socket.AF_UNIX)\ns.bind('\\0'+sys.argv[1])\n" +
        "s.listen()\nprint('ready',flush=True)\ntime.sleep(30)",
        name,
      ],
      stdout: "piped",
    }).spawn();
    try {
      const reader = server.stdout.getReader();
      await reader.read(); // "ready"
      reader.releaseLock();
      match(await net(d, ["abstract", "0", name]), /^denied/);
      // Even with UNIX sockets allowed, Landlock scoping keeps the outside socket unreachable.
      match(await net(d, ["abstract", "0", name], ["--allow-unix-sockets"]), /^denied/);
    } finally {
      server.kill("SIGKILL");
      await server.stdout.cancel().catch(() => {});
      await server.status;
    }
  },
);

Deno.test(
  "airlock run refuses a grant that contains a protected path (exit 125)",
  linuxOnly,
  async () => {
    await using d = await sandboxDirs();
    await Deno.mkdir(`${d.home}/.ssh`);
    await Deno.writeTextFile(`${d.home}/.ssh/id_ed25519`, "private-key");
    const r = await airlockSh(d, "cat ~/.ssh/id_ed25519", ["--read", d.home]);
    equal(r.code, 125);
    match(r.stderr, /\.ssh/);
    match(r.stderr, /--bypass-protection/);
    ok(!r.stdout.includes("private-key"));
  },
);

Deno.test(
  "airlock run removes credential-looking variables from the environment",
  linuxOnly,
  async () => {
    await using d = await sandboxDirs();
    // Only allowlisted names pass by default: HARMLESS_SETTING needs --env.
    const r = await airlockSh(d, "env", ["--env", "HARMLESS_SETTING"], {
      OPENAI_API_KEY: "sk-real-looking-value-1",
      GITHUB_TOKEN: "ghp_real-looking-value-2",
      AWS_SECRET_ACCESS_KEY: "aws-real-looking-value-3",
      HARMLESS_SETTING: "kept",
    });
    equal(r.code, 0, r.stderr);
    ok(!/real-looking-value/.test(r.stdout), r.stdout);
    match(r.stdout, /^HARMLESS_SETTING=kept$/m);
  },
);

Deno.test("airlock run passes exit codes and signals through", linuxOnly, async () => {
  await using d = await sandboxDirs();
  equal((await airlockSh(d, "exit 3")).code, 3);
  equal((await airlockSh(d, "kill -TERM $$")).code, 143);
  equal((await airlockSh(d, "kill -KILL $$")).code, 137);
});

Deno.test("airlock run keeps SIGPIPE default: yes | head -1 works", linuxOnly, async () => {
  await using d = await sandboxDirs();
  const r = await airlockSh(d, "yes | head -1");
  equal(r.code, 0);
  equal(r.stdout, "y\n");
  ok(!/Broken pipe/.test(r.stderr), r.stderr);
});

Deno.test("airlock run leaks no file descriptor above 2", linuxOnly, async () => {
  await using d = await sandboxDirs();
  const r = await runCli(["run", "--", "/bin/ls", "/proc/self/fd"], {
    cwd: d.work,
    env: { HOME: d.home },
  });
  equal(r.code, 0, r.stderr);
  // 0, 1, 2 and the directory ls itself opened.
  equal(r.stdout.trim().split("\n").length, 4, r.stdout);
});

Deno.test(
  "airlock run gives a terminal program its window size (under script)",
  linuxOnly,
  async () => {
    await using d = await sandboxDirs();
    const airlock = `${Deno.execPath()} run -A --quiet ${
      new URL("../../main.ts", import.meta.url).pathname
    }`;
    const out = await new Deno.Command("script", {
      args: ["-qec", `stty rows 33 cols 101; ${airlock} run -- stty size`, "/dev/null"],
      cwd: d.work,
      env: { HOME: d.home },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    equal(out.code, 0, text + new TextDecoder().decode(out.stderr));
    match(text, /33 101/);
  },
);

Deno.test(
  "airlock run fails closed without a needed kernel feature (pretend ABI 3)",
  linuxOnly,
  async () => {
    await using d = await sandboxDirs();
    const r = await airlockSh(d, "echo ran", [], { AIRLOCK_TEST_PRETEND_ABI: "3" });
    equal(r.code, 125);
    equal(r.stdout, "");
    match(r.stderr, /net\.tcp/);
    match(r.stderr, /--best-effort/);
  },
);

Deno.test(
  "airlock run --best-effort runs, says what it dropped and records it",
  linuxOnly,
  async () => {
    await using d = await sandboxDirs();
    const r = await airlockSh(d, "echo ran", ["--best-effort"], { AIRLOCK_TEST_PRETEND_ABI: "3" });
    equal(r.code, 0, r.stderr);
    equal(r.stdout, "ran\n");
    match(r.stderr, /best-effort.*net\.tcp/);
    const log = await Deno.readTextFile(`${d.home}/.local/state/airlock/best-effort.jsonl`);
    const record = JSON.parse(log.trim().split("\n").at(-1)!);
    ok(record.dropped.includes("net.tcp"));
    equal(record.program, "/bin/sh");
  },
);

for (const profile of ["default", "claude-code", "codex", "gemini-cli", "opencode", "aider"]) {
  Deno.test(`airlock run --profile ${profile} starts a real command`, linuxOnly, async () => {
    await using d = await sandboxDirs();
    const r = await airlockSh(d, "echo started; echo ok > out.txt; cat out.txt", [
      "--profile",
      profile,
    ]);
    equal(r.code, 0, r.stderr);
    equal(r.stdout, "started\nok\n");
  });
}

Deno.test(
  "airlock shell runs $SHELL confined and passes its status through",
  linuxOnly,
  async () => {
    await using d = await sandboxDirs();
    const r = await runCli(["shell"], {
      cwd: d.work,
      env: { HOME: d.home, SHELL: "/bin/sh" },
      stdin: `echo "shell:$0"; cat ${d.outside}/secret.txt; exit 4\n`,
    });
    equal(r.code, 4, r.stderr);
    match(r.stdout, /^shell:\/bin\/sh$/m);
    ok(!r.stdout.includes("outside-secret"));
    match(r.stderr, /Permission denied/);
  },
);
