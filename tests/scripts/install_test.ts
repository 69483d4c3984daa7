/**
 * `install.sh` against a local HTTP server serving a fake release (archives holding a
 * small stand-in binary that prints `airlock VERSION`), run by `/bin/sh` (dash here) with
 * a PATH of chosen tools: a stubbed `uname` (and `sysctl`, for Rosetta) per platform,
 * with or without curl. Every failure installs nothing and says what in one line.
 */

import { deepStrictEqual as equal, match, ok } from "node:assert/strict";
import { type ProcessResult, runProcess } from "../_process.ts";
import { archive } from "../../scripts/build.ts";

const INSTALL = new URL("../../install.sh", import.meta.url).pathname;
const TARGETS = ["x86_64-linux", "aarch64-linux", "x86_64-macos", "aarch64-macos"];

/** The tools install.sh may use, linked into a test PATH. */
const TOOLS = [
  "sh",
  "cat",
  "cp",
  "mv",
  "rm",
  "mkdir",
  "mktemp",
  "chmod",
  "tar",
  "gzip",
  "grep",
  "sed",
  "cut",
  "head",
  "printf",
  "sha256sum",
  "dirname",
  "curl",
  "wget",
];

type Mode = "ok" | "corrupt" | "no-sums" | "html" | "truncated";

interface Release {
  base: string;
  mode: Mode;
  requests: string[];
  close(): Promise<void>;
}

/**
 * Builds a release in `dir` the way the release workflow does (`scripts/build.ts archive`),
 * from stand-in binaries that print `airlock VERSION`: so the installer is tested against
 * the archive layout the release really has.
 */
async function buildRelease(dir: string, version: string): Promise<void> {
  await Deno.mkdir(`${dir}/docs`);
  await Deno.writeTextFile(`${dir}/docs/README.md`, "readme\n");
  await Deno.writeTextFile(`${dir}/docs/LICENSE`, "license\n");
  for (const target of TARGETS) {
    await Deno.writeTextFile(
      `${dir}/airlock-${target}`,
      `#!/bin/sh\necho "airlock ${version}"\necho "target ${target}"\n`,
      { mode: 0o755 },
    );
  }
  await archive(version, dir, { docs: `${dir}/docs`, anyVersion: true });
}

/** Serves releases `versions` (the last is latest) from BASE/download/vV/ and BASE/latest/download/. */
async function serveRelease(versions: string[]): Promise<Release> {
  const root = await Deno.makeTempDir({ prefix: "airlock-release-" });
  for (const v of versions) {
    await Deno.mkdir(`${root}/v${v}`);
    await buildRelease(`${root}/v${v}`, v);
  }
  const latest = versions.at(-1)!;
  const release: Release = { base: "", mode: "ok", requests: [], close: async () => {} };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    release.requests.push(path);
    if (release.mode === "html") {
      return new Response("<!DOCTYPE html><html><body>Sign in to the Wi-Fi</body></html>\n", {
        headers: { "content-type": "text/html" },
      });
    }
    const m = /^\/releases\/(?:download\/v([^/]+)|latest\/download)\/([^/]+)$/.exec(path);
    if (!m) return new Response("not found", { status: 404 });
    const file = `${root}/v${m[1] ?? latest}/${m[2]}`;
    if (release.mode === "no-sums" && m[2] === "SHA256SUMS") {
      return new Response("not found", { status: 404 });
    }
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = await Deno.readFile(file);
    } catch {
      return new Response("not found", { status: 404 });
    }
    if (m[2]!.endsWith(".tar.gz")) {
      if (release.mode === "corrupt") bytes[bytes.length >> 1]! ^= 0xff;
      if (release.mode === "truncated") bytes = bytes.subarray(0, bytes.length >> 1);
    }
    return new Response(bytes);
  });
  release.base = `http://127.0.0.1:${server.addr.port}/releases`;
  release.close = async () => {
    await server.shutdown();
    await Deno.remove(root, { recursive: true });
  };
  return release;
}

interface Machine {
  dir: string;
  bin: string;
  home: string;
  prefix: string;
  run(args: string[], env?: Record<string, string>): Promise<ProcessResult>;
}

/** A HOME and a PATH of linked tools with `uname` (and `sysctl`) answering as `os`/`arch`. */
async function machine(
  release: Release,
  os: string,
  arch: string,
  options: { without?: string[]; translated?: boolean } = {},
): Promise<Machine> {
  const dir = await Deno.makeTempDir({ prefix: "airlock-install-" });
  const bin = `${dir}/bin`;
  await Deno.mkdir(bin);
  for (const tool of TOOLS) {
    if (options.without?.includes(tool)) continue;
    const which = await runProcess("sh", ["-c", `command -v ${tool}`]);
    const path = which.stdout.trim();
    if (path.startsWith("/")) await Deno.symlink(path, `${bin}/${tool}`);
  }
  await Deno.writeTextFile(
    `${bin}/uname`,
    `#!/bin/sh\ncase "$1" in -s) echo ${os} ;; -m) echo ${arch} ;; *) echo ${os} ;; esac\n`,
    { mode: 0o755 },
  );
  if (options.translated !== undefined) {
    await Deno.writeTextFile(
      `${bin}/sysctl`,
      `#!/bin/sh\n[ "$2" = sysctl.proc_translated ] && echo ${options.translated ? 1 : 0}\n`,
      { mode: 0o755 },
    );
  }
  const home = `${dir}/home`;
  await Deno.mkdir(home);
  const prefix = `${home}/.local/bin`;
  return {
    dir,
    bin,
    home,
    prefix,
    run: (args, env = {}) =>
      runProcess("/bin/sh", [INSTALL, ...args], {
        clearEnv: true,
        env: { PATH: bin, HOME: home, AIRLOCK_DOWNLOAD_BASE: release.base, ...env },
        cwd: dir,
      }),
  };
}

async function installed(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch {
    return null;
  }
}

/** One failure line (plus nothing else) on stderr. */
function oneLine(r: ProcessResult, pattern: RegExp): void {
  const lines = r.stderr.trim().split("\n");
  equal(lines.length, 1, r.stderr);
  match(lines[0]!, pattern);
}

async function withRelease(versions: string[], fn: (r: Release) => Promise<void>): Promise<void> {
  const release = await serveRelease(versions);
  try {
    await fn(release);
  } finally {
    await release.close();
  }
}

Deno.test("install.sh is shellcheck-clean POSIX sh", async () => {
  const r = await runProcess("shellcheck", ["-s", "sh", INSTALL]);
  equal(r.code, 0, r.stdout);
});

for (
  const [os, arch, target] of [
    ["Linux", "x86_64", "x86_64-linux"],
    ["Linux", "amd64", "x86_64-linux"],
    ["Linux", "aarch64", "aarch64-linux"],
    ["Linux", "arm64", "aarch64-linux"],
    ["Darwin", "x86_64", "x86_64-macos"],
    ["Darwin", "arm64", "aarch64-macos"],
  ]
) {
  Deno.test(`install.sh on ${os} ${arch} installs the ${target} build`, async () => {
    await withRelease(["0.1.0"], async (release) => {
      const m = await machine(release, os!, arch!, { translated: false });
      try {
        const r = await m.run([]);
        equal(r.code, 0, r.stderr);
        const text = await installed(`${m.prefix}/airlock`);
        equal(text?.includes(`echo "target ${target}"`), true);
        equal((await Deno.stat(`${m.prefix}/airlock`)).mode! & 0o777, 0o755);
        match(
          r.stderr,
          new RegExp(`installed airlock 0\\.1\\.0 \\(${target}\\) in ${m.prefix}/airlock`),
        );
        match(r.stderr, /is not on PATH: add it, e\.g\. export PATH=/);
      } finally {
        await Deno.remove(m.dir, { recursive: true });
      }
    });
  });
}

Deno.test("install.sh under Rosetta 2 installs the native Apple-silicon build", async () => {
  await withRelease(["0.1.0"], async (release) => {
    const m = await machine(release, "Darwin", "x86_64", { translated: true });
    try {
      equal((await m.run([])).code, 0);
      ok((await installed(`${m.prefix}/airlock`))!.includes("target aarch64-macos"));
    } finally {
      await Deno.remove(m.dir, { recursive: true });
    }
  });
});

for (
  const [os, arch, what] of [["FreeBSD", "amd64", "system"], ["Linux", "riscv64", "architecture"]]
) {
  Deno.test(`install.sh refuses an unsupported ${what} (${os} ${arch}) and installs nothing`, async () => {
    await withRelease(["0.1.0"], async (release) => {
      const m = await machine(release, os!, arch!);
      try {
        const r = await m.run([]);
        equal(r.code, 1);
        oneLine(r, new RegExp(`unsupported ${what} "${os === "FreeBSD" ? os : arch}"`));
        equal(await installed(`${m.prefix}/airlock`), null);
        equal(release.requests, [], "nothing was downloaded");
      } finally {
        await Deno.remove(m.dir, { recursive: true });
      }
    });
  });
}

const FAILURES: [Mode, RegExp][] = [
  [
    "corrupt",
    /airlock-0\.1\.0-x86_64-linux\.tar\.gz does not match SHA256SUMS .*nothing installed/,
  ],
  ["truncated", /does not match SHA256SUMS .*nothing installed/],
  [
    "no-sums",
    /cannot download http:\/\/127\.0\.0\.1:\d+\/releases\/download\/v0\.1\.0\/SHA256SUMS/,
  ],
  ["html", /SHA256SUMS is not a checksum list \(an error page\?\)/],
];
for (const [mode, message] of FAILURES) {
  Deno.test(`install.sh installs nothing when the release is ${mode}, and keeps the old binary`, async () => {
    await withRelease(["0.1.0"], async (release) => {
      const m = await machine(release, "Linux", "x86_64");
      try {
        await Deno.mkdir(m.prefix, { recursive: true });
        await Deno.writeTextFile(`${m.prefix}/airlock`, "#!/bin/sh\necho old\n", { mode: 0o755 });
        release.mode = mode;
        const r = await m.run(["--version", "0.1.0"]);
        equal(r.code, 1, r.stderr);
        oneLine(r, message);
        equal(await installed(`${m.prefix}/airlock`), "#!/bin/sh\necho old\n");
        equal([...Deno.readDirSync(m.prefix)].map((e) => e.name), ["airlock"], "no temp file left");
      } finally {
        await Deno.remove(m.dir, { recursive: true });
      }
    });
  });
}

Deno.test("install.sh says an HTML page served for the archive is one", async () => {
  await withRelease(["0.1.0"], async (release) => {
    const m = await machine(release, "Linux", "x86_64");
    try {
      // SHA256SUMS is real; the archive request gets a captive portal's page.
      const sums = await (await fetch(`${release.base}/download/v0.1.0/SHA256SUMS`)).text();
      release.mode = "html";
      const server = Deno.serve(
        { hostname: "127.0.0.1", port: 0, onListen: () => {} },
        (req) =>
          new URL(req.url).pathname.endsWith("SHA256SUMS")
            ? new Response(sums)
            : new Response("<html>portal</html>"),
      );
      try {
        const r = await m.run([], {
          AIRLOCK_DOWNLOAD_BASE: `http://127.0.0.1:${server.addr.port}/releases`,
          AIRLOCK_VERSION: "0.1.0",
        });
        equal(r.code, 1);
        oneLine(r, /is an HTML page, not the archive \(checksum mismatch\): nothing installed/);
        equal(await installed(`${m.prefix}/airlock`), null);
      } finally {
        await server.shutdown();
      }
    } finally {
      await Deno.remove(m.dir, { recursive: true });
    }
  });
});

Deno.test("install.sh uses wget when there is no curl, and fails clearly with neither", async () => {
  await withRelease(["0.1.0"], async (release) => {
    const m = await machine(release, "Linux", "aarch64", { without: ["curl"] });
    const none = await machine(release, "Linux", "aarch64", { without: ["curl", "wget"] });
    try {
      const r = await m.run([]);
      equal(r.code, 0, r.stderr);
      ok((await installed(`${m.prefix}/airlock`))!.includes("target aarch64-linux"));
      const n = await none.run([]);
      equal(n.code, 1);
      oneLine(n, /neither curl nor wget is installed/);
    } finally {
      await Deno.remove(m.dir, { recursive: true });
      await Deno.remove(none.dir, { recursive: true });
    }
  });
});

Deno.test("install.sh: --prefix, AIRLOCK_INSTALL_DIR, --version, AIRLOCK_VERSION, latest", async () => {
  await withRelease(["0.1.0", "0.2.0"], async (release) => {
    const m = await machine(release, "Linux", "x86_64");
    try {
      const latest = await m.run([]);
      equal(latest.code, 0, latest.stderr);
      ok((await installed(`${m.prefix}/airlock`))!.includes("airlock 0.2.0"));
      ok(release.requests.includes("/releases/latest/download/SHA256SUMS"));

      const byFlag = await m.run(["--prefix", `${m.dir}/opt`, "--version", "v0.1.0"]);
      equal(byFlag.code, 0, byFlag.stderr);
      ok((await installed(`${m.dir}/opt/airlock`))!.includes("airlock 0.1.0"));

      const byEnv = await m.run([], {
        AIRLOCK_INSTALL_DIR: `${m.dir}/env`,
        AIRLOCK_VERSION: "0.1.0",
        PATH: `${m.bin}:${m.dir}/env`,
      });
      equal(byEnv.code, 0, byEnv.stderr);
      ok((await installed(`${m.dir}/env/airlock`))!.includes("airlock 0.1.0"));
      ok(!byEnv.stderr.includes("not on PATH"), "no PATH hint when the directory is on PATH");

      const flagWins = await m.run(["--prefix", `${m.dir}/flag`], {
        AIRLOCK_INSTALL_DIR: `${m.dir}/env2`,
      });
      equal(flagWins.code, 0);
      ok(await installed(`${m.dir}/flag/airlock`));
      equal(await installed(`${m.dir}/env2/airlock`), null);

      const missing = await m.run(["--version", "9.9.9"]);
      equal(missing.code, 1);
      oneLine(missing, /cannot download .*\/download\/v9\.9\.9\/SHA256SUMS/);
      const bad = await m.run(["--version", "latest"]);
      equal(bad.code, 2);
      oneLine(bad, /version "latest" is not X\.Y\.Z/);
      const plain = await m.run([], { AIRLOCK_DOWNLOAD_BASE: "http://example.com/releases" });
      equal(plain.code, 1);
      oneLine(plain, /AIRLOCK_DOWNLOAD_BASE must be an https:\/\/ URL/);
      equal((await m.run(["--bogus"])).code, 2);
    } finally {
      await Deno.remove(m.dir, { recursive: true });
    }
  });
});

Deno.test("install.sh says so in one line when the directory is not writable", async () => {
  await withRelease(["0.1.0"], async (release) => {
    const m = await machine(release, "Linux", "x86_64");
    try {
      await Deno.writeTextFile(`${m.dir}/file`, "not a directory\n");
      const r = await m.run(["--prefix", `${m.dir}/file/bin`]);
      equal(r.code, 1);
      oneLine(r, /cannot create .*\/file\/bin/);
    } finally {
      await Deno.remove(m.dir, { recursive: true });
    }
  });
});

Deno.test("install.sh upgrades in place, and --uninstall removes the binary", async () => {
  await withRelease(["0.1.0", "0.2.0"], async (release) => {
    const m = await machine(release, "Darwin", "arm64", { translated: false });
    try {
      equal((await m.run(["--version", "0.1.0"])).code, 0);
      const inode = (await Deno.stat(`${m.prefix}/airlock`)).ino;
      const up = await m.run([]);
      equal(up.code, 0, up.stderr);
      match(up.stderr, /upgraded .*\/airlock: 0\.1\.0 -> 0\.2\.0 \(aarch64-macos\)/);
      ok((await installed(`${m.prefix}/airlock`))!.includes("airlock 0.2.0"));
      ok((await Deno.stat(`${m.prefix}/airlock`)).ino !== inode, "replaced by a rename");
      const again = await m.run([]);
      match(again.stderr, /installed airlock 0\.2\.0/);

      const un = await m.run(["--uninstall"]);
      equal(un.code, 0);
      match(un.stderr, /removed .*\/airlock/);
      equal(await installed(`${m.prefix}/airlock`), null);
      const twice = await m.run(["--uninstall"]);
      equal(twice.code, 0);
      match(twice.stderr, /nothing to uninstall/);
    } finally {
      await Deno.remove(m.dir, { recursive: true });
    }
  });
});

Deno.test("the Dev Container Feature's install.sh installs through the same verification", async () => {
  await withRelease(["0.1.0", "0.2.0"], async (release) => {
    const m = await machine(release, "Linux", "x86_64");
    const feature = new URL("../../packaging/devcontainer/src/airlock/install.sh", import.meta.url)
      .pathname;
    const run = (env: Record<string, string>) =>
      runProcess("/bin/sh", [feature], {
        clearEnv: true,
        env: { PATH: m.bin, HOME: m.home, DOWNLOADBASE: release.base, ...env },
        cwd: m.dir,
      });
    try {
      const r = await run({ VERSION: "0.1.0", INSTALLDIR: `${m.dir}/usr/local/bin` });
      equal(r.code, 0, r.stderr);
      match(r.stderr, /no apt-get, apk or dnf/);
      ok((await installed(`${m.dir}/usr/local/bin/airlock`))!.includes("airlock 0.1.0"));
      const latest = await run({ VERSION: "latest", INSTALLDIR: `${m.dir}/latest` });
      equal(latest.code, 0, latest.stderr);
      ok((await installed(`${m.dir}/latest/airlock`))!.includes("airlock 0.2.0"));
      release.mode = "corrupt";
      const bad = await run({ VERSION: "0.2.0", INSTALLDIR: `${m.dir}/bad` });
      equal(bad.code, 1);
      match(bad.stderr, /does not match SHA256SUMS/);
      equal(await installed(`${m.dir}/bad/airlock`), null);
    } finally {
      await Deno.remove(m.dir, { recursive: true });
    }
  });
});
