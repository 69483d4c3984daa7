/**
 * Terminal behaviour under a real pseudo-terminal (`script`): the command sees the
 * window size, owns the foreground, cannot inject input, and airlock takes the terminal
 * back afterwards.
 */

import { deepStrictEqual as assertEquals } from "node:assert/strict";
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
