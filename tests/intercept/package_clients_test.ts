/**
 * Package managers and Python `requests` through TLS interception, confined by the real
 * CLI: npm against a private registry (token as `Authorization: Bearer`, from `.npmrc`),
 * pip against a private index (the token as the password of `Authorization: Basic`, in
 * the index URL, as pip, twine and Poetry send it) and `requests` with a Bearer header.
 * Each tool talks to the real host name itself through `HTTPS_PROXY`, trusts the session
 * CA through the variables airlock sets, and holds only a phantom token; the fake
 * registries accept only the real ones. A tool pinned to its own bundle fails closed.
 */

import { deepStrictEqual as equal, ok } from "node:assert/strict";
import { type FakeRegistries, startFakeRegistries } from "./_fake_registries.ts";
import { confinedShell, linuxOnly } from "./_confined.ts";

const PY = "/usr/bin/python3";
const NPM_SECRET = `npm_REAL${crypto.randomUUID().replaceAll("-", "")}`;
const PYPI_SECRET = `pypi-REAL${crypto.randomUUID().replaceAll("-", "")}`;

/** A profile with the two private registries as custom routes. */
async function registryProfile(): Promise<string> {
  const path = await Deno.makeTempFile({ prefix: "airlock-registries-", suffix: ".json" });
  await Deno.writeTextFile(
    path,
    JSON.stringify({
      extends: "default",
      routes: {
        registry: {
          upstream: "https://registry.corp.test",
          token: { header: "authorization", format: "Bearer {}" },
          inject: { header: "authorization", format: "Bearer {}" },
          env: { NPM_TOKEN: "{token}" },
          token_prefix: "npm_",
        },
        pypi: {
          upstream: "https://pypi.corp.test",
          token: { basic: "password" },
          inject: { basic: "password" },
          env: { PIP_INDEX_URL: "https://__token__:{token}@pypi.corp.test/simple/" },
          token_prefix: "pypi-",
        },
      },
    }),
  );
  return path;
}

async function confined(f: FakeRegistries, script: string, extra: string[] = []) {
  const profile = await registryProfile();
  try {
    return await confinedShell(script, {
      credential: "registry",
      secret: NPM_SECRET,
      caFile: f.ca.caFile,
      pins: [`registry.corp.test:443:${f.addr}`, `pypi.corp.test:443:${f.addr}`],
      extra: [
        "--profile",
        profile,
        "--credential",
        "pypi=env:AIRLOCK_TEST_PYPI_KEY",
        "--env",
        "HOME=/tmp",
        ...extra,
      ],
      env: { AIRLOCK_TEST_PYPI_KEY: PYPI_SECRET },
    });
  } finally {
    await Deno.remove(profile);
  }
}

/** Runs `fn` with fresh fake registries, closed afterwards. */
async function withRegistries(fn: (f: FakeRegistries) => Promise<void>): Promise<void> {
  const f = await startFakeRegistries(NPM_SECRET, PYPI_SECRET);
  try {
    await fn(f);
  } finally {
    await f.close();
  }
}

function noSecrets(r: { stdout: string; stderr: string }): void {
  for (const secret of [NPM_SECRET, PYPI_SECRET]) {
    ok(
      !r.stdout.includes(secret) && !r.stderr.includes(secret),
      "a real token reached the command",
    );
  }
}

function interceptedOn(audit: Record<string, unknown>[], route: string): boolean {
  return audit.some((x) => x.route === route && x.via === "intercept" && x.decision === "allowed");
}

Deno.test("confined npm reads a private registry through interception with a phantom token", {
  ...linuxOnly,
}, async () => {
  await withRegistries(async (f) => {
    const r = await confined(
      f,
      'echo "token=$NPM_TOKEN"; ' +
        // npm expands ${NPM_TOKEN} itself: the file holds the variable's name, not a token.
        "printf '%s\\n' '//registry.corp.test/:_authToken=${NPM_TOKEN}' > /tmp/npmrc; " +
        "npm view demo version --userconfig /tmp/npmrc --cache /tmp/npm-cache " +
        "--registry https://registry.corp.test/ --no-update-notifier --fund=false --audit=false",
    );
    equal(
      r.code,
      0,
      r.stdout + r.stderr + JSON.stringify(r.audit.filter((x) => x.kind !== "start")),
    );
    ok(r.stdout.includes("1.2.3"), r.stdout);
    const token = r.stdout.match(/^token=(\S+)$/m)?.[1] ?? "";
    ok(token.startsWith("npm_") && token !== NPM_SECRET, r.stdout);
    noSecrets(r);
    const npm = f.seen.filter((s) => s.host === "registry.corp.test");
    ok(npm.length > 0, "npm reached the registry");
    ok(npm.every((s) => s.authorization === `Bearer ${NPM_SECRET}`), JSON.stringify(npm));
    ok(interceptedOn(r.audit, "registry"), JSON.stringify(r.audit));
  });
});

Deno.test("confined pip downloads from a private index with the phantom token as Basic password", {
  ...linuxOnly,
}, async () => {
  await withRegistries(async (f) => {
    const r = await confined(
      f,
      'case "$PIP_INDEX_URL" in *"__token__:pypi-"*) echo phantom-in-url;; esac; ' +
        `${PY} -m pip download --no-deps --no-cache-dir --disable-pip-version-check ` +
        "--retries 0 -d /tmp/dl demo && ls /tmp/dl",
    );
    equal(
      r.code,
      0,
      r.stdout + r.stderr + JSON.stringify(r.audit.filter((x) => x.kind !== "start")),
    );
    ok(r.stdout.includes("phantom-in-url"), r.stdout);
    ok(r.stdout.includes("demo-1.0-py3-none-any.whl"), r.stdout);
    noSecrets(r);
    const pypi = f.seen.filter((s) => s.host === "pypi.corp.test");
    ok(pypi.some((s) => s.path === "/files/demo-1.0-py3-none-any.whl"), JSON.stringify(pypi));
    for (const s of pypi) {
      equal(
        s.authorization,
        `Basic ${btoa(`__token__:${PYPI_SECRET}`)}`,
        "user kept, password real",
      );
    }
    ok(interceptedOn(r.audit, "pypi"), JSON.stringify(r.audit));
  });
});

Deno.test("confined Python requests reaches the private registry with a phantom Bearer token", {
  ...linuxOnly,
}, async () => {
  await withRegistries(async (f) => {
    const program = [
      "import os, requests",
      'r = requests.get("https://registry.corp.test/api/whoami",',
      '                 headers={"authorization": "Bearer " + os.environ["NPM_TOKEN"]})',
      'print(r.status_code, r.json()["username"])',
    ].join("\n");
    const r = await confined(f, `${PY} -c '${program}'`);
    equal(r.code, 0, r.stderr);
    equal(r.stdout.trim(), "200 octo");
    noSecrets(r);
    equal(f.seen.at(-1)?.authorization, `Bearer ${NPM_SECRET}`);
    ok(interceptedOn(r.audit, "registry"), JSON.stringify(r.audit));
  });
});

Deno.test("Python requests pinned to its own CA bundle fails closed: tls-client-rejected", {
  ...linuxOnly,
}, async () => {
  await withRegistries(async (f) => {
    // The tool ships the registry's real CA and trusts nothing else (as certifi-pinned tools
    // do): the session leaf does not verify, nothing is sent.
    const program = [
      "import os, requests",
      "try:",
      '  requests.get("https://registry.corp.test/api/whoami", verify=os.environ["CA_FILE"],',
      '               headers={"authorization": "Bearer " + os.environ["NPM_TOKEN"]})',
      '  print("REACHED")',
      "except requests.exceptions.SSLError:",
      '  print("ssl-refused")',
    ].join("\n");
    const r = await confined(f, `${PY} -c '${program}'`, [
      "--read",
      f.ca.caFile,
      "--env",
      "CA_FILE",
    ]);
    equal(r.code, 0, r.stderr);
    equal(r.stdout.trim(), "ssl-refused");
    equal(f.seen.length, 0, "nothing reached the upstream");
    ok(
      r.audit.some((x) => x.kind === "connect" && x.decision === "tls-client-rejected"),
      JSON.stringify(r.audit),
    );
  });
});
