/**
 * Terminal behaviour under a real pseudo-terminal (`script`): the command sees the
 * window size, owns the foreground, cannot inject input, and airlock takes the terminal
 * back afterwards.
 */

import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { DRIVER, driverEnv, makeDirs, makePolicy, PYTHON } from "./_helpers.ts";

const hasScript = (() => {
  try {
    return Deno.statSync("/usr/bin/script").isFile;
  } catch {
    return false;
  }
})();

Deno.test("run() under a terminal: window size, foreground, no TIOCSTI, terminal handed back", {
  ignore: Deno.build.os !== "linux" || !hasScript,
}, async () => {
  await using d = await makeDirs();
  const probe = `
import os, fcntl, termios, struct
rows, cols = struct.unpack("hh", fcntl.ioctl(0, termios.TIOCGWINSZ, b"0000"))
print("size", rows, cols)
print("foreground", os.tcgetpgrp(0) == os.getpgrp() == os.getpid())
try:
    fcntl.ioctl(0, termios.TIOCSTI, b"x"); print("tiocsti allowed")
except OSError as e:
    print("tiocsti denied", e.errno)
`;
  const inner = `stty rows 37 cols 91; ${Deno.execPath()} run -A --no-config ${DRIVER}; ` +
    `echo "status=$?"; ${PYTHON} -c 'import os; print("back", os.tcgetpgrp(0) == os.getpgrp())'`;
  const out = await new Deno.Command("script", {
    args: ["-qec", inner, "/dev/null"],
    env: driverEnv(makePolicy({ workdir: d.workdir }), [PYTHON, "-c", probe]),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  // deno-lint-ignore no-control-regex -- strip terminal escape sequences
  const text = new TextDecoder().decode(out.stdout).replace(/\x1b\[[0-9;]*[A-Za-z]/g, "")
    .replaceAll("\r", "");
  assertEquals(
    text,
    "size 37 91\nforeground True\ntiocsti denied 1\nstatus=0\nback True\n",
    new TextDecoder().decode(out.stderr),
  );
});

Deno.test(
  "run() under an interactive shell: Ctrl-Z stops the job, fg resumes it in the foreground",
  {
    ignore: Deno.build.os !== "linux" || !hasScript,
  },
  async () => {
    await using d = await makeDirs();
    const probe = [
      "import os, signal",
      'print("before", flush=True)',
      "os.kill(os.getpid(), signal.SIGTSTP)",
      'print("after-fg", os.tcgetpgrp(0) == os.getpgrp(), flush=True)',
    ].join("\n");
    const shell = new Deno.Command("script", {
      args: ["-qc", "bash --norc --noprofile -i", "/dev/null"],
      env: {
        ...driverEnv(makePolicy({ workdir: d.workdir }), [PYTHON, "-c", probe]),
        TERM: "dumb",
      },
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    // A hung job would hang the test: kill the shell after a generous bound (a guard, not an assertion).
    const guard = setTimeout(() => shell.kill("SIGKILL"), 60_000);
    const writer = shell.stdin.getWriter();
    const reader = shell.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    const until = async (marker: RegExp) => {
      while (!marker.test(out)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`shell ended before ${marker}: ${JSON.stringify(out)}`);
        out += value.replaceAll("\r", "");
      }
    };
    const type = (line: string) => writer.write(new TextEncoder().encode(`${line}\n`));
    try {
      await type(`${Deno.execPath()} run -A --no-config ${DRIVER}`);
      await until(/Stopped/);
      await type("echo shell-has-terminal; fg");
      await until(/after-fg \w+/);
      await type('echo "status=$?"; exit');
      await until(/status=\d+/);
    } finally {
      clearTimeout(guard);
      await writer.close().catch(() => {});
      await reader.cancel().catch(() => {});
      await shell.status;
    }
    const at = (s: string) => out.indexOf(s);
    ok(at("before") < at("Stopped") && at("Stopped") < at("shell-has-terminal"), out);
    ok(out.includes("after-fg True"), out);
    ok(out.includes("status=0"), out);
  },
);
