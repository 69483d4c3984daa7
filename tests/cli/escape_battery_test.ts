/**
 * The escape battery (issue 9): every way the review got out of the sandbox, and the
 * neighbouring ones, tried through the real CLI (`airlock run`) on the real kernel, as
 * root, with all layers on. Each case is a confined script that performs the attack and
 * prints `ESCAPED …` when it works; host-side checks look at what the attack would have
 * changed. The oracle is tested too: with every layer off (best effort, no namespaces,
 * Landlock pretended away) the same scripts escape.
 *
 * The numbers in the names are the review's findings (issue 9, "Why").
 */

import { equal, ok } from "node:assert/strict";
import { runCli } from "../_cli.ts";
import { ended, findPids } from "../sandbox/_helpers.ts";

const linuxOnly = { ignore: Deno.build.os !== "linux" };
const PY = "/usr/bin/python3";

/** The directories a case works with, removed on dispose. */
interface Dirs extends AsyncDisposable {
  root: string;
  work: string;
  outside: string;
  home: string;
  state: string;
}

async function dirs(): Promise<Dirs> {
  const root = await Deno.realPath(
    await Deno.makeTempDir({ dir: "/var/tmp", prefix: "airlock-battery-" }),
  );
  const d = {
    root,
    work: `${root}/work`,
    outside: `${root}/outside`,
    home: `${root}/home`,
    state: `${root}/home/.local/state`,
    async [Symbol.asyncDispose]() {
      await Deno.remove(root, { recursive: true }).catch(() => {});
    },
  };
  for (const dir of [d.work, d.outside, `${d.home}/.ssh`, d.state]) {
    await Deno.mkdir(dir, { recursive: true });
  }
  await Deno.writeTextFile(`${d.outside}/secret.txt`, "outside-secret\n");
  await Deno.writeTextFile(`${d.home}/.ssh/id_ed25519`, "PRIVATE KEY\n", { mode: 0o600 });
  await Deno.writeTextFile(`${d.home}/.bashrc`, "# rc\n", { mode: 0o644 });
  await Deno.writeTextFile(`${d.work}/mine.txt`, "inside\n");
  await Deno.copyFile("/bin/true", `${d.outside}/tool`);
  await Deno.chmod(`${d.outside}/tool`, 0o755);
  return d;
}

/** Runs `airlock run [flags] -- sh -c SCRIPT` in the workdir, HOME and state in the case's tree. */
function airlock(d: Dirs, script: string, flags: string[] = [], env: Record<string, string> = {}) {
  return runCli(["run", ...flags, "--", "/bin/sh", "-c", script], {
    cwd: d.work,
    env: { HOME: d.home, XDG_STATE_HOME: d.state, ...env },
  });
}

/** A Python program for `sh -c`, quoted. */
function py(code: string): string {
  return `${PY} -c '${code.replaceAll("'", `'"'"'`)}'`;
}

/** `attack && echo ESCAPED what`: the oracle every shell case uses. */
function escaped(attack: string, what: string): string {
  return `( ${attack} ) 2>/dev/null && echo "ESCAPED ${what}"; true`;
}

/** One attack. */
interface EscapeCase {
  name: string;
  /** The confined script (prints ESCAPED when the attack works). */
  script: (d: Dirs) => string;
  /** Extra airlock flags. */
  flags?: string[];
  /** airlock's environment additions. */
  env?: Record<string, string>;
  /** Host-side preparation. */
  setup?: (d: Dirs) => Promise<(() => Promise<void>) | void>;
  /** Host-side check after the run (throws when the attack left a trace). */
  check?: (d: Dirs, out: { stdout: string; stderr: string; code: number }) => Promise<void> | void;
  /** Run again with every layer off to prove the oracle sees the escape. */
  oracle?: boolean;
}

const modeOf = (path: string) => (Deno.statSync(path).mode ?? 0) & 0o7777;

/** A listener on the host for the egress cases: records whether anything connected. */
function hostListener(hostname: string, port: number): { hits: () => number; close(): void } {
  let hits = 0;
  const listener = Deno.listen({ hostname, port });
  (async () => {
    try {
      for await (const conn of listener) {
        hits++;
        conn.close();
      }
    } catch {
      // closed
    }
  })();
  return { hits: () => hits, close: () => listener.close() };
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

const tcpConnect = (host: string, port: number | string) =>
  py(
    `import socket,sys\ns=socket.socket(socket.AF_INET6 if ":" in "${host}" else socket.AF_INET)\ns.settimeout(2)\ns.connect(("${host}",${port}))\nprint("ESCAPED connected ${host}")`,
  );

const CASES: EscapeCase[] = [
  // 1. The launch channel.
  {
    name: "1: no airlock plan FIFO, socket or pipe is reachable under any grant",
    script: () =>
      escaped(
        `find /tmp /dev/shm "$HOME" -writable \\( -type p -o -type s \\) 2>/dev/null | grep -q .`,
        "found a FIFO or socket",
      ),
  },
  {
    name: "1: the launch pipes (descriptors 3 and 4) are closed in the command",
    script: () => escaped(`test -e /proc/self/fd/3 || test -e /proc/self/fd/4`, "fd 3/4 open"),
  },
  {
    name: "1: PID 1's descriptors (the launch pipes' copies) are closed to the command",
    script: () => escaped(`ls -l /proc/1/fd/ | grep -q pipe`, "read PID 1's fds"),
  },
  {
    name: "1: airlock's runtime directories (other sessions' bridges) are hidden",
    script: (d) => escaped(`ls ${d.state}/airlock/run/ | grep -q .`, "listed run/"),
  },
  {
    name: "1: the session's audit log cannot be written",
    flags: ["--allow-domain", "example.com"],
    script: (d) => escaped(`echo forged >> ${d.state}/airlock/sessions/*/audit.jsonl`, "audit"),
  },
  // 2. Egress past the proxy.
  (() => {
    const port = freePort();
    const listeners: ReturnType<typeof hostListener>[] = [];
    return {
      name: "2: TCP to a granted port reaches only the host's 127.0.0.1 — not 127.0.0.2, ::1 " +
        "or a remote address on that port",
      flags: ["--allow-port", String(port)],
      setup: () => {
        listeners.push(hostListener("127.0.0.1", port)); // the one that is granted
        listeners.push(hostListener("127.0.0.2", port)); // an attacker on another address
        try {
          listeners.push(hostListener("::1", port));
        } catch {
          // no IPv6 loopback on the host
        }
        return Promise.resolve(() => {
          listeners.forEach((l) => l.close());
          return Promise.resolve();
        });
      },
      script: () =>
        [
          tcpConnect("127.0.0.1", port).replace("ESCAPED", "control"),
          tcpConnect("::1", port).replace("ESCAPED", "bridged"),
          escaped(tcpConnect("127.0.0.2", port), "127.0.0.2"),
          escaped(tcpConnect("10.255.255.1", port), "10.255.255.1"),
        ].join("; "),
      check: (_d: Dirs, out: { stdout: string }) => {
        ok(out.stdout.includes("control connected"), "the granted port must work");
        equal(listeners[0]!.hits(), out.stdout.includes("bridged connected") ? 2 : 1);
        for (const attacker of listeners.slice(1)) {
          equal(attacker.hits(), 0, "an attacker was reached");
        }
      },
    };
  })(),
  {
    name: "2: TCP to any other port of host loopback is refused",
    script: () => escaped(tcpConnect("127.0.0.1", 22), "host port 22"),
  },
  {
    name: "2: TCP to a public address is refused",
    script: () => escaped(tcpConnect("1.1.1.1", 443), "1.1.1.1:443"),
  },
  {
    name: "2: UDP (DNS) to a public resolver is refused",
    script: () =>
      escaped(
        py(
          'import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.sendto(b"x",("1.1.1.1",53))\nprint("ESCAPED udp")',
        ),
        "udp",
      ),
  },
  {
    name: "2: the sandbox has only loopback (no route out)",
    script: () => escaped(`test "$(grep -c : /proc/net/dev)" -gt 1`, "an interface besides lo"),
  },
  // 3. Metadata writes outside the grants, as root.
  {
    name: "3: chmod of ~/.ssh/id_ed25519 (a protected path)",
    script: (d) => escaped(`chmod 644 ${d.home}/.ssh/id_ed25519`, "chmod key"),
    check: (d) => equal(modeOf(`${d.home}/.ssh/id_ed25519`), 0o600),
    oracle: true,
  },
  {
    name: "3: chmod of ~/.bashrc",
    script: (d) => escaped(`chmod 666 ${d.home}/.bashrc`, "chmod bashrc"),
    check: (d) => equal(modeOf(`${d.home}/.bashrc`), 0o644),
  },
  {
    name: "3: chmod of a file outside every grant",
    script: (d) => escaped(`chmod 777 ${d.outside}/secret.txt`, "chmod"),
    check: (d) => equal(modeOf(`${d.outside}/secret.txt`), 0o644),
    oracle: true,
  },
  {
    name: "3: the setuid bit on a root-owned binary outside every grant",
    script: (d) => escaped(`chmod u+s ${d.outside}/tool`, "setuid"),
    check: (d) => equal(modeOf(`${d.outside}/tool`) & 0o4000, 0),
  },
  {
    name: "3: chown of a file outside every grant",
    script: (d) => escaped(`chown 65534 ${d.outside}/secret.txt`, "chown"),
    check: (d) => equal(Deno.statSync(`${d.outside}/secret.txt`).uid, Deno.uid()),
  },
  {
    name: "3: utime (touch -d) of a file outside every grant",
    setup: async (d) => {
      await Deno.utime(`${d.outside}/secret.txt`, 1_000_000, 1_000_000);
    },
    script: (d) => escaped(`touch -d 2030-01-01 ${d.outside}/secret.txt`, "utime"),
    check: (d) => equal(Deno.statSync(`${d.outside}/secret.txt`).mtime?.getTime(), 1e9),
  },
  {
    name: "3: setxattr on a file outside every grant",
    script: (d) =>
      escaped(py(`import os\nos.setxattr("${d.outside}/secret.txt","user.evil",b"1")`), "xattr"),
    check: (d) => {
      const out = new Deno.Command(PY, {
        args: ["-c", `import os;print(os.listxattr("${d.outside}/secret.txt"))`],
      }).outputSync();
      equal(new TextDecoder().decode(out.stdout).trim(), "[]");
    },
  },
  {
    name: "3: truncating a file outside every grant",
    script: (d) => escaped(`truncate -s 0 ${d.outside}/secret.txt`, "truncate"),
    check: (d) => equal(Deno.readTextFileSync(`${d.outside}/secret.txt`), "outside-secret\n"),
  },
  {
    name: "3: creating a file in /usr",
    script: () => escaped(`touch /usr/airlock-escape`, "/usr write"),
    check: () => ok(!exists("/usr/airlock-escape")),
  },
  {
    // Writes the value already there: a failure of the boundary changes nothing.
    name: "3: writing through /proc/sys",
    script: () =>
      escaped(`v=$(cat /proc/sys/kernel/sysrq); echo "$v" > /proc/sys/kernel/sysrq`, "sysctl"),
  },
  {
    name: "3: writing through /sys",
    script: () =>
      escaped(`v=$(cat /sys/kernel/uevent_helper); echo "$v" > /sys/kernel/uevent_helper`, "sysfs"),
  },
  // 4. Other terminals.
  {
    name: "4: another terminal of the user cannot be opened",
    setup: async (d) => {
      // A terminal that exists on the host while the sandbox runs.
      const child = new Deno.Command("script", {
        args: ["-qc", `tty > ${d.root}/tty; sleep 30`, "/dev/null"],
        stdin: "piped",
        stdout: "null",
      }).spawn();
      while (!exists(`${d.root}/tty`) || Deno.readTextFileSync(`${d.root}/tty`) === "") {
        await new Promise((r) => setTimeout(r, 20));
      }
      return async () => {
        child.kill("SIGKILL");
        await child.status;
      };
    },
    script: (d) => escaped(`exec 3>${Deno.readTextFileSync(`${d.root}/tty`).trim()}`, "pty"),
  },
  {
    name: "4: no host terminal exists in the sandbox's /dev/pts",
    script: () => escaped(`ls /dev/pts | grep -q '^[0-9]'`, "host pts"),
  },
  {
    name: "4: TIOCSTI cannot inject input",
    script: () =>
      escaped(
        py(
          'import fcntl,termios,os\nfd=os.open("/dev/ptmx",os.O_RDWR)\nfcntl.ioctl(fd,termios.TIOCSTI,b"x")',
        ),
        "TIOCSTI",
      ),
  },
  {
    name: "4: block devices and /dev/mem are absent",
    script: () => escaped(`ls /dev | grep -Eq "^(sd|vd|nvme|mem|kmem|port|kvm)"`, "devices"),
  },
  // 5. Nothing outlives the session.
  ...["setsid", "double fork", "nohup and disown", "daemon()"].map((how) => ({
    name: `5: a process started with ${how} does not outlive the command`,
    script: (d: Dirs) => {
      const m = marker(d, how);
      const start = {
        "setsid": `setsid bash -c 'exec -a ${m} sleep 1000' &`,
        "double fork": `bash -c '( ( exec -a ${m} sleep 1000 & ) & )'`,
        "nohup and disown":
          `bash -c 'nohup bash -c "exec -a ${m} sleep 1000" >/dev/null 2>&1 & disown'`,
        "daemon()": py(
          `import os\nif os.fork()==0:\n os.setsid()\n if os.fork()==0:\n  os.execvp("sleep",["${m}","1000"])\n os._exit(0)`,
        ),
      }[how];
      return `${start}; sleep 0.3; echo started`;
    },
    check: async (d: Dirs) => {
      for (const pid of findPids(marker(d, how))) ok(await ended(pid), `${how} survived`);
      equal(findPids(marker(d, how)).length, 0);
    },
  })),
  // 6. Credential-shaped variables.
  ...[
    ["PGPASSWORD", "pg-pass-4711"],
    ["MYSQL_PWD", "my-pwd-4711"],
    ["STRIPE_KEY", "sk_live_4eC39HqLyjWDarjtT1zdp7dc"],
    ["GITHUB_PAT", "github_pat_11ABCDEFG0123456789abcdefghijklmnopqrstuvwxyzABCDEF0123456789"],
    ["DATABASE_URL", "postgres://app:hunter2@db.internal:5432/app"],
    ["REDIS_URL", "redis://:s3cret-pass@cache:6379/0"],
    ["SENTRY_DSN", "https://0123456789abcdef0123456789abcdef@o1.ingest.sentry.io/1"],
    ["SLACK_WEBHOOK_URL", "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX"],
    ["BW_SESSION", "aGVsbG8gd29ybGQgdGhpcyBpcyBhIHNlc3Npb24gdG9rZW4gMTIzNDU2Nzg5MA=="],
    ["OP_SESSION_my", "Vr2nQ8kJx3mZpL7tYwB9cF4hS6dA1eGu"],
    ["EDITOR", "ghp_0123456789abcdefghijklmnopqrstuvwxyz"],
  ].map(([name, value]) => ({
    name: `6: ${name} with a secret value does not reach the command`,
    env: { [name!]: value! },
    script: () => escaped(`env | grep -qF '${value}'`, `${name} passed`),
  })),
  // 7. User namespaces and the kernel surface behind them.
  {
    name: "7: unshare -U cannot create a user namespace",
    script: () => escaped(`unshare -U true`, "unshare -U"),
  },
  {
    name: "7: unshare(CLONE_NEWUSER) through Python is refused",
    script: () => escaped(py(`import os\nos.unshare(os.CLONE_NEWUSER)`), "os.unshare"),
  },
  {
    name: "7: clone3 is unavailable, so no namespace flags get past the filter",
    script: () =>
      escaped(
        py(
          "import ctypes\nl=ctypes.CDLL(None,use_errno=True)\nargs=(ctypes.c_uint64*11)(0x10000000,0,0,0,17)\nr=l.syscall(435,args,88)\nassert r>=0",
        ),
        "clone3",
      ),
  },
  {
    name: "7: the user-namespace limit is 0 and cannot be raised",
    script: () =>
      escaped(`test "$(cat /proc/sys/user/max_user_namespaces)" != 0`, "limit not 0") + "; " +
      escaped(`echo 100 > /proc/sys/user/max_user_namespaces`, "raised the limit"),
  },
  {
    name: "7: nf_tables (NETLINK_NETFILTER) cannot be reached",
    script: () => escaped(py(`import socket\nsocket.socket(16, socket.SOCK_RAW, 12)`), "netfilter"),
  },
  {
    name: "7: mount is refused (no capabilities)",
    script: () => escaped(`mount -t tmpfs x /tmp`, "mount"),
  },
  {
    name: "7: chroot is refused",
    script: () => escaped(`chroot / true`, "chroot"),
  },
  {
    name: "7: setns is refused",
    script: () =>
      escaped(
        py(
          'import ctypes,os\nl=ctypes.CDLL(None,use_errno=True)\nfd=os.open("/proc/self/ns/net",os.O_RDONLY)\nassert l.setns(fd,0)==0',
        ),
        "setns",
      ),
  },
  {
    name: "7: no capability is left",
    script: () => escaped(`grep -q "^CapEff:.*[1-9a-f]" /proc/self/status`, "a capability"),
  },
  // 8. Datagrams to pathname sockets.
  {
    name: "8: an AF_UNIX datagram socketpair cannot be made",
    script: () =>
      escaped(py(`import socket\nsocket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)`), "pair"),
  },
  {
    name: "8: nothing reaches a pathname datagram socket outside (a stand-in for /dev/log)",
    setup: async (d) => {
      const server = new Deno.Command(PY, {
        args: [
          "-c",
          `import socket\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind("${d.outside}/log")\nprint("ready",flush=True)\ndata=s.recv(100)\nopen("${d.outside}/got","w").write("got")`,
        ],
        stdout: "piped",
      }).spawn();
      const reader = server.stdout.getReader();
      await reader.read();
      return async () => {
        server.kill("SIGKILL");
        await reader.cancel();
        await server.status;
      };
    },
    script: (d) =>
      py(
        `import socket\nfor kind in ("pair","socket"):\n try:\n  s=(socket.socketpair(socket.AF_UNIX,socket.SOCK_DGRAM)[0] if kind=="pair" else socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM))\n  s.sendto(b"x","${d.outside}/log")\n  print("ESCAPED sent")\n except OSError: pass`,
      ),
    check: async (d) => {
      await new Promise((r) => setTimeout(r, 100));
      ok(!exists(`${d.outside}/got`), "the datagram arrived");
    },
  },
  // 9. Shared /tmp and /dev/shm.
  {
    name: "9: a file in the host's /tmp is invisible",
    setup: async (d) => {
      await Deno.writeTextFile(`/tmp/${basename(d)}-host`, "host\n");
      return async () => await Deno.remove(`/tmp/${basename(d)}-host`).catch(() => {});
    },
    script: (d) => escaped(`cat /tmp/${basename(d)}-host`, "host /tmp"),
    oracle: true,
  },
  {
    name: "9: a file written to /tmp does not appear in the host's /tmp",
    script: (d) => `echo planted > /tmp/${basename(d)}-planted; echo wrote`,
    check: (d) => ok(!exists(`/tmp/${basename(d)}-planted`), "planted in the host's /tmp"),
  },
  {
    name: "9: a file in the host's /dev/shm is invisible",
    setup: async (d) => {
      await Deno.writeTextFile(`/dev/shm/${basename(d)}-host`, "host\n");
      return async () => await Deno.remove(`/dev/shm/${basename(d)}-host`).catch(() => {});
    },
    script: (d) => escaped(`cat /dev/shm/${basename(d)}-host`, "host /dev/shm"),
  },
  {
    name: "9: a file written to /dev/shm does not appear in the host's",
    script: (d) => `echo planted > /dev/shm/${basename(d)}-planted; echo wrote`,
    check: (d) => ok(!exists(`/dev/shm/${basename(d)}-planted`)),
  },
  {
    name: "9: the host's System V shared memory is not visible (IPC namespace)",
    script: () => escaped(`test "$(wc -l < /proc/sysvipc/shm)" -gt 1`, "sysv shm"),
    setup: async () => {
      // A segment on the host while the sandbox runs.
      const seg = new Deno.Command(PY, {
        args: [
          "-c",
          "import ctypes,time\nl=ctypes.CDLL(None)\nl.shmget(0x4a1e, 4096, 0o1600)\nprint('ready',flush=True)\ntime.sleep(30)",
        ],
        stdout: "piped",
      }).spawn();
      const reader = seg.stdout.getReader();
      await reader.read();
      return async () => {
        seg.kill("SIGKILL");
        await reader.cancel();
        await seg.status;
        new Deno.Command("ipcrm", { args: ["-M", String(0x4a1e)], stderr: "null" }).outputSync();
      };
    },
  },
  // 10. Shared caches.
  {
    name: "10: a write to the npm cache does not reach the real cache",
    flags: ["--profile", "claude-code", "--net", "none"],
    setup: async (d) => {
      await Deno.mkdir(`${d.home}/.npm/_npx`, { recursive: true });
      await Deno.writeTextFile(`${d.home}/.npm/_npx/pkg.js`, "benign\n");
    },
    script: (d) =>
      `grep -q benign ${d.home}/.npm/_npx/pkg.js && echo read-ok; ` +
      `echo "trojan" > ${d.home}/.npm/_npx/pkg.js; echo planted > ${d.home}/.npm/_npx/new.js`,
    check: (d, out) => {
      ok(out.stdout.includes("read-ok"), "the cache must stay readable");
      equal(Deno.readTextFileSync(`${d.home}/.npm/_npx/pkg.js`), "benign\n");
      ok(!exists(`${d.home}/.npm/_npx/new.js`));
    },
  },
  // The sandbox's own processes and files.
  {
    name: "airlock's state directory is hidden",
    script: (d) => escaped(`ls -a ${d.state}/airlock | grep -qv '^\\.\\.\\?$'`, "state"),
  },
  {
    name: "protected paths are hidden (~/.ssh)",
    script: (d) => escaped(`cat ${d.home}/.ssh/id_ed25519`, "ssh key"),
    oracle: true,
  },
  {
    name: "reading a file outside every grant is denied",
    script: (d) => escaped(`cat ${d.outside}/secret.txt`, "read outside"),
    oracle: true,
  },
  {
    name: "writing a file outside every grant is denied",
    script: (d) => escaped(`echo x > ${d.outside}/new.txt`, "write outside"),
    check: (d) => ok(!exists(`${d.outside}/new.txt`)),
  },
  {
    name: "a symlink in the workdir does not reach outside",
    script: (d) => escaped(`ln -s ${d.outside}/secret.txt s && cat s`, "symlink"),
  },
  {
    name: "a hard link does not bring an outside file in",
    script: (d) => escaped(`ln ${d.outside}/secret.txt l && cat l`, "hard link"),
  },
  {
    name: "renaming a workdir file out of the grants is denied",
    script: (d) => escaped(`mv mine.txt ${d.outside}/moved`, "rename out"),
    check: (d) => ok(exists(`${d.work}/mine.txt`)),
  },
  {
    name: "/etc/shadow is not readable, even as root",
    script: () => escaped(`cat /etc/shadow`, "shadow"),
  },
  {
    name: "PID 1 cannot be signalled",
    script: () => escaped(`kill -TERM 1`, "signalled PID 1"),
  },
  {
    name: "PID 1's environment is not readable",
    script: () => escaped(`cat /proc/1/environ | grep -q .`, "PID 1 environ"),
  },
  {
    name: "PID 1 cannot be traced",
    script: () =>
      escaped(
        py("import ctypes\nl=ctypes.CDLL(None,use_errno=True)\nassert l.ptrace(16,1,None,None)==0"),
        "ptrace 1",
      ),
  },
  {
    name: "the network bridge cannot be signalled, traced or read",
    flags: ["--allow-domain", "example.com"],
    script: () =>
      `b=""; for p in /proc/[0-9]*; do case "$(tr '\\0' ' ' < $p/cmdline 2>/dev/null)" in *inside_main*|*__sandbox-bridge*) b=\${p#/proc/};; esac; done; ` +
      `test -n "$b" || echo "ESCAPED? bridge not found"; ` +
      escaped(`kill -0 $b`, "signalled the bridge") + "; " +
      escaped(`ls /proc/$b/fd/3/ /proc/$b/fd/4/ /proc/$b/fd/5/`, "bridge dir fd") + "; " +
      escaped(`cat /proc/$b/environ | grep -q .`, "bridge environ") + "; " +
      escaped(`ls /proc/$b/root/ | grep -q .`, "bridge root"),
  },
  {
    name: "no process outside the sandbox is visible (PID namespace)",
    script: () => escaped(`test -e /proc/${Deno.pid}/stat`, "the test's pid"),
  },
  {
    name: "io_uring is refused",
    script: () =>
      escaped(
        py(
          "import ctypes\nl=ctypes.CDLL(None,use_errno=True)\np=(ctypes.c_char*120)()\nassert l.syscall(425,8,p)>=0",
        ),
        "io_uring",
      ),
  },
  {
    name: "the kernel keyring is refused",
    script: () =>
      escaped(
        py("import ctypes\nl=ctypes.CDLL(None,use_errno=True)\nassert l.syscall(250,0,-3,0)>=0"),
        "keyctl",
      ),
  },
  {
    name: "TCP Fast Open cannot connect past Landlock",
    script: () =>
      escaped(
        py(
          'import socket\ns=socket.socket()\ns.sendto(b"x",0x20000000,("127.0.0.1",22))\nprint("ESCAPED tfo")',
        ),
        "tfo",
      ),
  },
  {
    name: "listening on a port that is not granted is refused",
    script: () =>
      escaped(
        py('import socket\ns=socket.socket()\ns.bind(("127.0.0.1",8765))\ns.listen()'),
        "bind",
      ),
  },
  {
    name: "an abstract UNIX socket of the host is unreachable",
    flags: ["--allow-unix-sockets"],
    setup: async (d) => {
      const server = new Deno.Command(PY, {
        args: [
          "-c",
          `import socket\ns=socket.socket(socket.AF_UNIX)\ns.bind("\\0${
            basename(d)
          }")\ns.listen()\nprint("ready",flush=True)\nwhile True: s.accept()[0].close()`,
        ],
        stdout: "piped",
      }).spawn();
      const reader = server.stdout.getReader();
      await reader.read();
      return async () => {
        server.kill("SIGKILL");
        await reader.cancel();
        await server.status;
      };
    },
    script: (d) =>
      escaped(
        py(`import socket\ns=socket.socket(socket.AF_UNIX)\ns.connect("\\0${basename(d)}")`),
        "abstract",
      ),
  },
];

function basename(d: Dirs): string {
  return d.root.slice(d.root.lastIndexOf("/") + 1);
}

function marker(d: Dirs, how: string): string {
  return `airlock-survivor-${basename(d)}-${how.replace(/\W+/g, "-")}`;
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

for (const c of CASES) {
  Deno.test(`escape battery ${c.name}`, linuxOnly, async () => {
    await using d = await dirs();
    const cleanup = await c.setup?.(d);
    try {
      const out = await airlock(d, c.script(d), c.flags ?? [], c.env ?? {});
      ok(!out.stdout.includes("ESCAPED"), `${out.stdout}\n${out.stderr}`);
      ok(!out.stderr.includes("airlock: Cannot"), `airlock failed: ${out.stderr}`);
      await c.check?.(d, out);
    } finally {
      await cleanup?.();
    }
  });
}

Deno.test("escape battery: the battery has at least 60 cases", () => {
  ok(CASES.length >= 60, `${CASES.length} cases`);
});

Deno.test(
  "escape battery: the oracle sees escapes when every layer is off (it can fail)",
  linuxOnly,
  async () => {
    for (const c of CASES.filter((c) => c.oracle)) {
      await using d = await dirs();
      const cleanup = await c.setup?.(d);
      try {
        const out = await airlock(d, c.script(d), ["--best-effort", ...(c.flags ?? [])], {
          AIRLOCK_TEST_NO_NAMESPACES: "1",
          AIRLOCK_TEST_PRETEND_ABI: "0",
        });
        ok(
          out.stdout.includes("ESCAPED"),
          `${c.name}: no escape without the layers: ${out.stderr}`,
        );
      } finally {
        await cleanup?.();
      }
    }
  },
);

Deno.test(
  "escape battery 5: a setsid survivor dies when airlock itself is killed with SIGKILL",
  linuxOnly,
  async () => {
    await using d = await dirs();
    const m = marker(d, "sigkill");
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        `${new URL("../../main.ts", import.meta.url).pathname}`,
        "run",
        "--",
        "/bin/sh",
        "-c",
        `setsid bash -c 'exec -a ${m} sleep 1000' & echo started; exec sleep 1000`,
      ],
      cwd: d.work,
      env: { HOME: d.home, XDG_STATE_HOME: d.state },
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    while (!out.includes("started")) out += (await reader.read()).value ?? "";
    let pids: number[] = [];
    while (pids.length === 0) {
      pids = findPids(m);
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill("SIGKILL");
    await child.status;
    await reader.cancel();
    for (const pid of pids) ok(await ended(pid), `the survivor ${pid} outlived a killed airlock`);
  },
);

Deno.test(
  "escape battery 1: a hostile session flooding every FIFO, socket and file it can reach does not confine a concurrent launch less",
  linuxOnly,
  async () => {
    await using a = await dirs();
    await using b = await dirs();
    // Session A: the attacker of the review, looking for anything airlock-shaped to write a
    // plan without Landlock or seccomp into, for as long as B launches.
    const plan =
      '{"file":"/bin/sh","argv":["sh"],"envp":[],"cwd":"/","parentPid":1,"landlock":null,"seccomp":null}';
    const flood = `end=$(($(date +%s)+8)); while [ $(date +%s) -lt $end ]; do ` +
      `for p in $(find / -xdev \\( -type p -o -type s -o -name 'airlock-*' \\) 2>/dev/null); do ` +
      `echo '${plan}' > "$p" 2>/dev/null & done; sleep 0.05; done; echo flooded`;
    const attacker = airlock(a, flood);
    // Session B: five launches while A floods; each must be fully confined.
    for (let i = 0; i < 5; i++) {
      const r = await airlock(
        b,
        escaped(`cat /etc/shadow`, "shadow") + "; " +
          escaped(`cat ${b.home}/.ssh/id_ed25519`, "key") +
          `; grep -q "^Seccomp:.*2" /proc/self/status || echo "ESCAPED no seccomp"; echo ok`,
      );
      equal(r.code, 0, r.stderr);
      ok(r.stdout.includes("ok") && !r.stdout.includes("ESCAPED"), r.stdout + r.stderr);
    }
    const done = await attacker;
    ok(done.stdout.includes("flooded"), done.stderr);
  },
);

Deno.test(
  "escape battery controls: git and npm work in the workdir as before (claude-code profile)",
  linuxOnly,
  async () => {
    await using d = await dirs();
    const r = await airlock(
      d,
      "git init -q && git add . && git -c user.name=a -c user.email=a@b commit -qm init && " +
        'git log --oneline | wc -l && npm init -y >/dev/null && npm pack --dry-run 2>&1 | grep -c "Tarball Contents"',
      ["--profile", "claude-code", "--net", "none"],
    );
    equal(r.code, 0, r.stderr);
    equal(r.stdout, "1\n1\n");
  },
);

Deno.test(
  "escape battery controls: --listen-port N serves the command's listener on the host's 127.0.0.1:N",
  linuxOnly,
  async () => {
    await using d = await dirs();
    const port = freePort();
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        `${new URL("../../main.ts", import.meta.url).pathname}`,
        "run",
        "--listen-port",
        String(port),
        "--",
        PY,
        "-c",
        `import socket\ns=socket.socket()\ns.bind(("127.0.0.1",${port}))\ns.listen()\nprint("listening",flush=True)\nc,_=s.accept()\nc.sendall(b"hello from inside")\nc.close()`,
      ],
      cwd: d.work,
      env: { HOME: d.home, XDG_STATE_HOME: d.state },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    while (!out.includes("listening")) out += (await reader.read()).value ?? "";
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    const got = new Uint8Array(64);
    const n = await conn.read(got);
    conn.close();
    equal(new TextDecoder().decode(got.subarray(0, n ?? 0)), "hello from inside");
    await reader.cancel();
    const status = await child.status;
    await child.stderr.cancel();
    equal(status.code, 0);
  },
);

Deno.test(
  "escape battery controls: an unprivileged user gets every layer (namespaces, mounts, sysctls, bridge)",
  { ignore: Deno.build.os !== "linux" || Deno.uid() !== 0 },
  async () => {
    // Run as nobody (65534) with a HOME and a Deno cache of its own: the user namespace
    // maps that uid to itself, so nothing here works through root's privileges.
    await using d = await dirs();
    for (const dir of [d.root, d.work, d.home, `${d.home}/.ssh`, d.state]) {
      await Deno.chown(dir, 65534, 65534);
    }
    await Deno.chmod(d.root, 0o755);
    const cache = `${d.root}/deno-cache`;
    await Deno.mkdir(cache);
    await Deno.chown(cache, 65534, 65534);
    const main = new URL("../../main.ts", import.meta.url).pathname;
    const script = "id -u; touch made; " + escaped(`chmod 777 /etc/passwd`, "chmod") + "; " +
      escaped(`cat /etc/shadow`, "shadow") + "; " +
      escaped(`unshare -U true`, "userns") + "; echo $HTTPS_PROXY | grep -c 127.0.0.1:3128";
    const out = await new Deno.Command("setpriv", {
      args: [
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        "--",
        Deno.execPath(),
        "run",
        "-A",
        "--quiet",
        main,
        "run",
        "--allow-domain",
        "example.com",
        "--",
        "/bin/sh",
        "-c",
        script,
      ],
      cwd: d.work,
      clearEnv: true,
      env: {
        PATH: "/usr/bin:/bin",
        HOME: d.home,
        XDG_STATE_HOME: d.state,
        DENO_DIR: cache,
        DENO_NO_UPDATE_CHECK: "1",
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    equal(out.code, 0, stderr);
    equal(stdout, "65534\n1\n", stderr);
    ok(exists(`${d.work}/made`));
  },
);
