/**
 * Attacks that held, kept as regression tests (the escape battery does not cover them):
 * reaching PID 1 and the network bridge through pidfds, process_vm_readv and their
 * `/proc` links; namespace and mount calls through raw syscalls; TIOCSTI with bits above
 * the ioctl's 32; x32 system calls; SIGKILL of airlock at each stage of a launch; the
 * stale-session sweeper and planted symlinks; the credential's source variable in the
 * sandbox's own processes; a workdir under `/tmp`; a HOME whose path needs escaping in
 * overlayfs options.
 */

import { equal, ok } from "node:assert/strict";
import { REPO } from "../_cli.ts";
import { airlock, assertHeld, escaped, linuxOnly, PY, py, rootOnly, tree } from "./_redteam.ts";

/** Raw system calls from Python; prints ESCAPED for each one that succeeded. */
const RAW = `
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def sc(*a):
    return libc.syscall(*[ctypes.c_long(x) for x in a])
def s(b):
    return ctypes.cast(ctypes.c_char_p(b), ctypes.c_void_p).value
def check(what, r):
    if r >= 0:
        print("ESCAPED", what)
`;

Deno.test(
  "redteam held: PID 1 and the bridge cannot be reached through pidfds, process_vm_readv, ptrace, signals or /proc links",
  linuxOnly,
  async () => {
    await using t = await tree("pidfd");
    const out = await airlock(
      t,
      py(
        RAW + `
class iovec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
buf = ctypes.create_string_buffer(8)
def name(pid):
    try:
        return open(f"/proc/{pid}/comm").read().strip()
    except OSError:
        return ""
# PID 1 and the bridge (the command's own shell is in its domain: not a target)
others = [int(x) for x in os.listdir("/proc") if x.isdigit() and (x == "1" or name(x) in ("deno", "airlock"))]
print("others", len(others))
for pid in others:
    fd = sc(434, pid, 0)  # pidfd_open
    if fd >= 0:
        for n in range(0, 32):
            check(f"pidfd_getfd {pid} {n}", sc(438, fd, n, 0))
    local, remote = iovec(ctypes.cast(buf, ctypes.c_void_p).value, 8), iovec(0x400000, 8)
    check(f"process_vm_readv {pid}", sc(310, pid, ctypes.addressof(local), 1, ctypes.addressof(remote), 1, 0))
    if sc(101, 16, pid, 0, 0) >= 0:  # PTRACE_ATTACH stops the target: let it go again
        sc(101, 17, pid, 0, 0)
        print("ESCAPED ptrace", pid)
    check(f"kill {pid}", sc(62, pid, 0))
    for f in ("fd/0", "fd/3", "cwd", "root", "exe"):
        try:
            os.readlink(f"/proc/{pid}/{f}")
            print("ESCAPED readlink", pid, f)
        except OSError:
            pass
    for f in ("environ", "mem", "maps", "stack", "syscall", "auxv"):
        try:
            open(f"/proc/{pid}/{f}", "rb").read(1)
            print("ESCAPED read", pid, f)
        except OSError:
            pass
`,
      ),
      ["--allow-domain", "example.com"],
    );
    assertHeld(out);
    ok(out.stdout.includes("others 2"), `PID 1 and the bridge were not both seen: ${out.stdout}`);
  },
);

Deno.test(
  "redteam held: raw clone/unshare with namespace flags, umount, open_tree and fsopen are refused",
  linuxOnly,
  async () => {
    await using t = await tree("rawns");
    const out = await airlock(
      t,
      py(
        RAW + `
NEWUSER, NEWNS, NEWNET, SIGCHLD = 0x10000000, 0x20000, 0x40000000, 17
for flags in (NEWUSER | NEWNS | SIGCHLD, NEWNS | SIGCHLD, NEWNET | SIGCHLD, NEWUSER | (1 << 40) | SIGCHLD):
    r = sc(56, flags, 0, 0, 0, 0)  # clone
    if r == 0:
        os._exit(0)
    check(f"clone {flags:#x}", r)
for flags in (NEWNS, NEWNET, NEWUSER, NEWUSER | (1 << 33)):
    check(f"unshare {flags:#x}", sc(272, flags))
for p in (b"/proc", b"/tmp", b"/dev", b"/dev/pts", b"/"):
    check(f"umount {p}", sc(166, s(p), 2))
check("open_tree /", sc(428, -100, s(b"/"), 1 | 0x80000))
check("fsopen tmpfs", sc(430, s(b"tmpfs"), 0))
check("mount_setattr /", sc(442, -100, s(b"/"), 0, 0, 0))
`,
      ),
    );
    assertHeld(out);
  },
);

Deno.test(
  "redteam held: TIOCSTI with bits above the ioctl's 32 is refused, x32 system calls kill",
  linuxOnly,
  async () => {
    await using t = await tree("tiocsti");
    const out = await airlock(
      t,
      py(
        RAW + `
c = ctypes.c_char(b"x")
sc(16, 0, 0x5412 | (1 << 32), ctypes.addressof(c))
print("errno", ctypes.get_errno())
`,
      ) +
        `; ${PY} -c 'import ctypes; ctypes.CDLL(None).syscall(39 | 0x40000000); print("ESCAPED x32")'` +
        `; echo "x32 status $?"`,
    );
    assertHeld(out);
    ok(
      out.stdout.includes("errno 1\n"),
      `TIOCSTI|1<<32 was not refused by the filter: ${out.stdout}`,
    );
    ok(out.stdout.includes("x32 status 159"), `an x32 call did not kill: ${out.stdout}`);
  },
);

/** Pids of processes whose environment contains `marker`. */
function withMarker(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      if (Deno.readTextFileSync(`/proc/${entry.name}/environ`).includes(marker)) {
        pids.push(Number(entry.name));
      }
    } catch {
      // gone, or not ours
    }
  }
  return pids;
}

Deno.test(
  "redteam held: SIGKILL of airlock at each stage of a launch leaves no process of the sandbox",
  rootOnly,
  async () => {
    await using t = await tree("sigkill");
    for (const delay of [40, 120, 250, 600]) {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--quiet",
          `${REPO}main.ts`,
          "run",
          "--allow-domain",
          "example.com",
          "--",
          "/bin/sleep",
          "30",
        ],
        cwd: t.work,
        env: { HOME: t.home, XDG_STATE_HOME: t.state },
        stdout: "null",
        stderr: "null",
      }).spawn();
      await new Promise((r) => setTimeout(r, delay));
      ok(withMarker(t.home).length > 0, "the scan does not see airlock itself"); // the oracle
      child.kill("SIGKILL");
      await child.status;
      let left = withMarker(t.home);
      for (let i = 0; i < 40 && left.length > 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        left = withMarker(t.home);
      }
      equal(left.length, 0, `after SIGKILL at ${delay} ms: ${left.join(" ")} still run`);
    }
    // The next launch removes what the killed ones left.
    const out = await airlock(t, "true");
    equal(out.code, 0, out.stderr);
    const run = [...Deno.readDirSync(`${t.state}/airlock/run`)];
    equal(run.length, 0, `left in run/: ${run.map((e) => e.name).join(" ")}`);
  },
);

Deno.test(
  "redteam held: the stale-session sweeper follows no planted symlink",
  linuxOnly,
  async () => {
    await using t = await tree("sweeper");
    const victim = `${t.root}/victim`;
    await Deno.mkdir(`${victim}/sub`, { recursive: true });
    await Deno.writeTextFile(`${victim}/sub/keep.txt`, "keep\n");
    await Deno.chmod(`${victim}/sub`, 0o555);
    const run = `${t.state}/airlock/run`;
    await Deno.mkdir(`${run}/dead/tmp`, { recursive: true });
    await Deno.writeTextFile(`${run}/dead/owner`, "1 0\n"); // pid 1, another start time
    await Deno.symlink(victim, `${run}/dead/tmp/link`);
    await Deno.symlink(`${victim}/sub`, `${run}/dead/sublink`);
    await Deno.symlink(victim, `${run}/planted`);
    const out = await airlock(t, "true");
    equal(out.code, 0, out.stderr);
    equal(Deno.readTextFileSync(`${victim}/sub/keep.txt`), "keep\n");
    equal((Deno.statSync(`${victim}/sub`).mode ?? 0) & 0o777, 0o555);
    ok(!exists(`${run}/dead`), "the stale session was not removed");
  },
);

Deno.test(
  "redteam held: a session directory killed while being created is swept; one being created is not",
  linuxOnly,
  async () => {
    await using t = await tree("staging");
    const run = `${t.state}/airlock/run`;
    await Deno.mkdir(run, { recursive: true, mode: 0o700 });
    // Killed between its mkdir and its owner file: only the staging name says whose it was.
    const dead = `${run}/.new-1-0-20261206T000000Z-000000`;
    await Deno.mkdir(dead, { mode: 0o700 });
    // Being created right now by a live process (this one).
    const stat = Deno.readTextFileSync(`/proc/${Deno.pid}/stat`);
    const start = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
    const live = `${run}/.new-${Deno.pid}-${start}-20261206T000000Z-111111`;
    await Deno.mkdir(live, { mode: 0o700 });
    const out = await airlock(t, "true");
    equal(out.code, 0, out.stderr);
    ok(!exists(dead), "a staging directory of a dead airlock was not removed");
    ok(exists(live), "a staging directory of a live airlock was removed");
    await Deno.remove(live);
  },
);

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

Deno.test(
  "redteam held: a credential's source variable reaches no process of the sandbox",
  rootOnly,
  async () => {
    await using t = await tree("credenv");
    const secret = `sk-redteam-${crypto.randomUUID()}`;
    const session = airlock(t, "touch started; sleep 2", ["--credential", "openai=env:RT_KEY"], {
      RT_KEY: secret,
    });
    for (let i = 0; i < 300 && !exists(`${t.work}/started`); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    ok(exists(`${t.work}/started`), "the session did not start");
    const all = withMarker(secret);
    ok(all.length > 0, "the scan does not see airlock itself"); // the oracle
    const holders = all.filter((pid) => {
      const cmd = Deno.readTextFileSync(`/proc/${pid}/cmdline`);
      return !cmd.includes(`${REPO}main.ts`); // airlock itself, outside, has it
    });
    const out = await session;
    equal(out.code, 0, out.stderr);
    equal(holders.length, 0, `the secret is in the environment of ${holders.join(" ")}`);
  },
);

Deno.test(
  "redteam held: a workdir under /tmp works, and nothing else of the host's /tmp is there",
  linuxOnly,
  async () => {
    await using t = await tree("tmpwork");
    const work = await Deno.makeTempDir({ dir: "/tmp", prefix: "airlock-redteam-work-" });
    t.defer(() => Deno.remove(work, { recursive: true }));
    const neighbour = await Deno.makeTempDir({ dir: "/tmp", prefix: "airlock-redteam-host-" });
    t.defer(() => Deno.remove(neighbour, { recursive: true }));
    const out = await airlock(
      t,
      `echo in > ${work}/made.txt && ls /tmp && ` +
        escaped(`test -e ${neighbour}`, "saw the host's /tmp"),
      [],
      {},
      work,
    );
    assertHeld(out);
    equal(out.code, 0, out.stderr);
    equal(Deno.readTextFileSync(`${work}/made.txt`), "in\n");
    equal(out.stdout.trim(), work.slice("/tmp/".length));
  },
);

Deno.test(
  "redteam held: a HOME with commas, colons, backslashes and spaces gets its cache overlay",
  linuxOnly,
  async () => {
    await using t = await tree("weirdhome");
    const home = `${t.root}/h,o:m\\e x`;
    await Deno.mkdir(`${home}/.npm`, { recursive: true });
    await Deno.writeTextFile(`${home}/.npm/cached`, "cached\n");
    const out = await airlock(
      t,
      `cat "$HOME/.npm/cached" && echo new > "$HOME/.npm/planted" && grep -c overlay /proc/self/mountinfo`,
      ["--profile", "codex"],
      { HOME: home, XDG_STATE_HOME: `${home}/.local/state` },
    );
    equal(out.code, 0, out.stderr);
    ok(out.stdout.startsWith("cached\n"), out.stdout);
    ok(!exists(`${home}/.npm/planted`), "the write reached the real cache");
  },
);
