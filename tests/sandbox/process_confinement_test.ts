/**
 * Process-level confinement and launch behaviour against the real kernel: signals,
 * ptrace, /proc of other processes, exit statuses, pipes, descriptors, environment,
 * parent death and signal forwarding.
 */

import { deepStrictEqual as assertEquals, equal, ok } from "node:assert/strict";
import {
  ended,
  findPids,
  LANDLOCK_ONLY,
  lines,
  makeDirs,
  makePolicy,
  runBash,
  runPython,
  spawnConfined,
  WITHOUT_LANDLOCK,
} from "./_helpers.ts";

const linuxOnly = { ignore: Deno.build.os !== "linux" };

/** An unconfined process outside the sandbox, with a marker in its environment. */
function startSibling(): Deno.ChildProcess {
  return new Deno.Command("sleep", {
    args: ["1000"],
    env: { SIBLING_SECRET: "sibling-secret-value" },
    stdout: "null",
  }).spawn();
}

async function stopSibling(child: Deno.ChildProcess): Promise<void> {
  child.kill("SIGKILL");
  await child.status;
}

Deno.test(
  "landlock scoping denies signalling the parent airlock and a sibling",
  linuxOnly,
  async () => {
    await using d = await makeDirs();
    const sibling = startSibling();
    try {
      const r = await runBash(
        makePolicy({ workdir: d.workdir, bestEffort: true }),
        `kill -0 $$; echo "self=$?"; kill -0 $PPID; echo "parent=$?"; kill -TERM ${sibling.pid}; echo "sibling=$?"`,
        LANDLOCK_ONLY,
      );
      assertEquals(r.stdout, "self=0\nparent=1\nsibling=1\n", r.stderr);
      ok(r.stderr.includes("Operation not permitted"), r.stderr);
    } finally {
      await stopSibling(sibling);
    }
  },
);

Deno.test(
  "the PID namespace alone hides airlock and every process outside the sandbox",
  linuxOnly,
  async () => {
    await using d = await makeDirs();
    const sibling = startSibling();
    try {
      const r = await runPython(
        makePolicy({ workdir: d.workdir, bestEffort: true }),
        `
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
print("self", os.getpid(), "parent", os.getppid())
for name, pid in (("airlock", ${Deno.pid}), ("sibling", ${sibling.pid})):
    for what, rc in (("signal", libc.kill(pid, 0)), ("ptrace", libc.ptrace(16, pid, None, None))):
        print(name, what, "reached" if rc == 0 else "missing %d" % ctypes.get_errno())
    print(name, "proc", "readable" if os.path.exists("/proc/%d/environ" % pid) else "absent")
print(sorted(int(p) for p in os.listdir("/proc") if p.isdigit())[:2])
`,
        WITHOUT_LANDLOCK,
      );
      assertEquals(
        r.stdout,
        "self 2 parent 1\n" +
          ["airlock", "sibling"].map((n) =>
            `${n} signal missing 3\n${n} ptrace missing 3\n${n} proc absent\n`
          ).join("") + "[1, 2]\n",
        r.stderr,
      );
    } finally {
      await stopSibling(sibling);
    }
  },
);

Deno.test("landlock denies ptrace of the parent and of a sibling", linuxOnly, async () => {
  await using d = await makeDirs();
  const sibling = startSibling();
  try {
    const r = await runPython(
      makePolicy({ workdir: d.workdir, bestEffort: true }),
      `
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
for name, pid in (("parent", os.getppid()), ("sibling", ${sibling.pid})):
    rc = libc.ptrace(16, pid, None, None)  # PTRACE_ATTACH
    print(name, "attached" if rc == 0 else "denied %d" % ctypes.get_errno())
`,
      LANDLOCK_ONLY,
    );
    assertEquals(r.stdout, "parent denied 1\nsibling denied 1\n", r.stderr);
  } finally {
    await stopSibling(sibling);
  }
});

Deno.test(
  "landlock denies reading /proc/PID/environ of the parent and a sibling",
  linuxOnly,
  async () => {
    await using d = await makeDirs();
    const sibling = startSibling();
    try {
      const r = await runBash(
        makePolicy({ workdir: d.workdir, bestEffort: true }),
        `read -d '' first < /proc/self/environ; echo "\${first%%=*}"; ` +
          `cat /proc/$PPID/environ; echo "parent=$?"; cat /proc/${sibling.pid}/environ; echo "sibling=$?"`,
        LANDLOCK_ONLY,
      );
      assertEquals(r.stdout, "PATH\nparent=1\nsibling=1\n", r.stderr);
      ok(!r.stdout.includes("sibling-secret-value"));
    } finally {
      await stopSibling(sibling);
    }
  },
);

Deno.test("run() passes the exit code through", linuxOnly, async () => {
  await using d = await makeDirs();
  assertEquals((await runBash(makePolicy({ workdir: d.workdir }), "exit 3")).code, 3);
});

Deno.test("run() reports death by a signal as 128+N", linuxOnly, async () => {
  await using d = await makeDirs();
  const r = await runBash(makePolicy({ workdir: d.workdir }), "kill -TERM $$");
  assertEquals(r.code, 143, r.stderr);
});

Deno.test("run() resets SIGPIPE: yes | head -1 ends without 'Broken pipe'", linuxOnly, async () => {
  await using d = await makeDirs();
  const r = await runBash(
    makePolicy({ workdir: d.workdir }),
    'yes | head -1; echo "${PIPESTATUS[0]}"',
  );
  assertEquals(r.stdout, "y\n141\n");
  assertEquals(r.stderr, "");
});

Deno.test("run() leaks no descriptor above 2 into the command", linuxOnly, async () => {
  await using d = await makeDirs();
  const policy = makePolicy({ workdir: d.workdir });
  const r = await runPython(policy, "import os; print(sorted(os.listdir('/proc/self/fd')))", {
    leakFds: true,
  });
  // 3 is listdir's own directory descriptor.
  assertEquals(r.stdout, "['0', '1', '2', '3']\n", r.stderr);
});

Deno.test(
  "run() starts the command with no-new-privs, a seccomp filter and an empty mask",
  linuxOnly,
  async () => {
    await using d = await makeDirs();
    const r = await runBash(
      makePolicy({ workdir: d.workdir }),
      "grep -E '^(NoNewPrivs|Seccomp|SigBlk|SigIgn):' /proc/self/status",
    );
    assertEquals(
      r.stdout,
      "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\nNoNewPrivs:\t1\nSeccomp:\t2\n",
      r.stderr,
    );
  },
);

Deno.test("run() gives the command exactly the policy's environment", linuxOnly, async () => {
  await using d = await makeDirs();
  const r = await runConfined0(d.workdir);
  const names = r.stdout.trim().split("\n").map((l) => l.split("=")[0]).sort();
  assertEquals(names, ["HOME", "LANG", "PATH", "POLICY_VAR"]);
});

async function runConfined0(workdir: string) {
  return await runPython(
    makePolicy({ workdir, env: { POLICY_VAR: "1" } }),
    "import os\nfor k, v in os.environ.items(): print(f'{k}={v}')",
    { airlockEnv: { AIRLOCK_OWN_SECRET: "x", OPENAI_API_KEY: "sk-real" } },
  );
}

Deno.test("run() forwards SIGTERM to the command", linuxOnly, async () => {
  await using d = await makeDirs();
  const child = spawnConfined(makePolicy({ workdir: d.workdir }), [
    "bash",
    "-c",
    `trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.05; done`,
  ]);
  const out = lines(child.stdout);
  assertEquals((await out.next()).value, "ready");
  child.kill("SIGTERM");
  const rest: string[] = [];
  for await (const line of out) rest.push(line);
  const status = await child.status;
  await child.stderr.cancel();
  assertEquals([status.code, rest], [7, ["got-term"]]);
});

Deno.test("run() kills the command when airlock dies", linuxOnly, async () => {
  await using d = await makeDirs();
  const marker = `airlock-orphan-${crypto.randomUUID()}`;
  const child = spawnConfined(makePolicy({ workdir: d.workdir }), [
    "bash",
    "-c",
    `echo started; exec -a ${marker} sleep 1000`,
  ]);
  const out = lines(child.stdout);
  equal((await out.next()).value, "started");
  let pids: number[] = [];
  while (pids.length === 0) {
    pids = findPids(marker);
    await new Promise((r) => setTimeout(r, 10));
  }
  child.kill("SIGKILL");
  await child.status;
  await child.stderr.cancel();
  for await (const _ of out) { /* drain */ }
  for (const pid of pids) ok(await ended(pid), `process ${pid} outlived airlock`);
});

Deno.test("run() drops every capability, even when airlock runs as root", {
  ignore: Deno.build.os !== "linux" || Deno.uid() !== 0,
}, async () => {
  await using d = await makeDirs();
  const r = await runPython(
    makePolicy({ workdir: d.workdir }),
    "import os\nprint(os.getuid(), [l.split()[1] for l in open('/proc/self/status') if l.startswith('Cap')])",
  );
  assertEquals(
    r.stdout,
    `0 ${
      JSON.stringify(Array(5).fill("0000000000000000")).replaceAll('"', "'").replaceAll(",", ", ")
    }\n`,
    r.stderr,
  );
});

Deno.test("landlock keeps /proc of the command itself readable (control)", linuxOnly, async () => {
  await using d = await makeDirs();
  const r = await runPython(
    makePolicy({ workdir: d.workdir }),
    "import os\nprint(len(open('/proc/self/maps').read()) > 0, open('/proc/cpuinfo').read(9), sorted(os.listdir('/proc/self/fd'))[:3])",
  );
  assertEquals(r.stdout, "True processor ['0', '1', '2']\n", r.stderr);
});
