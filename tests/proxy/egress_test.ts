/**
 * General egress through the proxy port with real clients: CONNECT tunnels and
 * absolute-form HTTP, proxy credentials (407 challenge), the domain allowlist (403
 * naming --allow-domain) and the address guard, against loopback targets pinned with
 * --resolve.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { auditRecords, type Harness, startHarness, waitForRecord } from "./_support/harness.ts";

const CLIENTS = new URL("../clients/", import.meta.url).pathname;

let shared: { h: Harness; plain: Deno.HttpServer<Deno.NetAddr> } | undefined;

async function session() {
  if (shared) return shared;
  const plain = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req) => new Response(`plain ${new URL(req.url).pathname} host=${req.headers.get("host")}`),
  );
  const h = await startHarness({
    allowDomains: ["allowed.test", "*.wild.test", "localhost"],
    resolve: (tls) => [
      `allowed.test:${tls}:127.0.0.1`,
      `allowed.test:${plain.addr.port}:127.0.0.1`,
      `a.wild.test:${plain.addr.port}:127.0.0.1`,
    ],
  });
  shared = { h, plain };
  return shared;
}

/** `https://allowed.test:<fake TLS upstream port>` */
function tlsTarget(h: Harness): string {
  return `https://allowed.test:${h.up.port}`;
}

function proxyUrl(h: Harness): string {
  return h.proxy.env.HTTPS_PROXY!;
}

async function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(cmd, {
    args,
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: "/tmp", ...env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

function hasCommand(name: string): boolean {
  try {
    return new Deno.Command("sh", { args: ["-c", `command -v ${name}`], stdout: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

const opts = { sanitizeResources: false, sanitizeOps: false };

Deno.test({
  ...opts,
  name: "proxy tunnels curl CONNECT to an allowed domain pinned with --resolve",
  async fn() {
    const { h } = await session();
    const r = await run("curl", [
      "-sS",
      "-x",
      proxyUrl(h),
      "--cacert",
      h.ca.caFile,
      `${tlsTarget(h)}/through-connect`,
    ]);
    assertEquals(r.code, 0, r.stderr);
    assert(r.stdout.includes('"path":"/through-connect"'), r.stdout);
    const rec = await waitForRecord(h, (x) => x.kind === "connect" && x.decision === "allowed");
    assert((rec.bytesDown as number) > 0);
    assert((rec.bytesUp as number) > 0);
  },
});

Deno.test({
  ...opts,
  name: "proxy refuses CONNECT to a domain outside the allowlist with 403 naming --allow-domain",
  async fn() {
    const { h } = await session();
    const r = await run("curl", ["-sS", "-v", "-x", proxyUrl(h), "https://refused.test/"]);
    assert(r.code !== 0);
    assert(r.stderr.includes("403"), r.stderr);
    const rec = auditRecords(h).filter((x) => x.host === "refused.test:443");
    assertEquals(rec.at(-1)!.decision, "denied-domain");
    // The plain-HTTP form says which flag would allow it.
    const p = await run("curl", ["-sS", "-x", proxyUrl(h), "http://refused.test/x"]);
    assert(p.stdout.includes("--allow-domain refused.test"), p.stdout);
  },
});

Deno.test({
  ...opts,
  name: "proxy answers CONNECT without proxy credentials with 407 and a Basic challenge",
  async fn() {
    const { h } = await session();
    const port = new URL(proxyUrl(h)).port;
    const r = await run("curl", [
      "-sS",
      "-v",
      "-x",
      `http://127.0.0.1:${port}`,
      "--proxytunnel",
      "http://allowed.test/",
    ]);
    assert(r.code !== 0);
    assert(r.stderr.includes("407"), r.stderr);
    assert(/Proxy-Authenticate: Basic realm="airlock"/i.test(r.stderr));
    const wrong = await run("curl", [
      "-sS",
      "-x",
      `http://airlock:wrong@127.0.0.1:${port}`,
      "--proxytunnel",
      "http://allowed.test/",
    ]);
    assert(wrong.code !== 0);
  },
});

Deno.test({
  ...opts,
  name: "proxy forwards absolute-form plain HTTP to allowed domains only",
  async fn() {
    const { h, plain } = await session();
    const r = await run("curl", [
      "-sS",
      "-x",
      proxyUrl(h),
      `http://a.wild.test:${plain.addr.port}/p?q=secret`,
    ]);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(r.stdout, `plain /p host=a.wild.test:${plain.addr.port}`);
    const rec = auditRecords(h).filter((x) => x.kind === "forward" && x.decision === "allowed");
    assertEquals(rec.at(-1)!.path, "/p?q=");
    const noAuth = await run("curl", [
      "-sS",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      "-x",
      `http://127.0.0.1:${h.proxy.port}`,
      `http://a.wild.test:${plain.addr.port}/`,
    ]);
    assertEquals(noAuth.stdout, "407");
  },
});

Deno.test({
  ...opts,
  name: "proxy refuses loopback targets that are not pinned, even on the allowlist",
  async fn() {
    const { h, plain } = await session();
    const r = await run("curl", [
      "-sS",
      "-v",
      "-x",
      proxyUrl(h),
      "--proxytunnel",
      `http://localhost:${plain.addr.port}/`,
    ]);
    assert(r.code !== 0);
    assert(r.stderr.includes("403"), r.stderr);
    const rec = auditRecords(h).filter((x) => x.decision === "denied-address");
    assert(String(rec.at(-1)!.detail).includes("loopback"));
  },
});

Deno.test({
  ...opts,
  name: "undici EnvHttpProxyAgent tunnels through the proxy with the variables it is given",
  async fn() {
    const { h, plain } = await session();
    const r = await run("node", [
      `${CLIENTS}undici_proxy.mjs`,
      `http://allowed.test:${plain.addr.port}/undici`,
    ], h.proxy.env);
    assertEquals(r.code, 0, r.stdout + r.stderr);
    const ev = r.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l)).find((e) =>
      e.event === "response"
    );
    assertEquals(ev.status, 200);
    assert(ev.body.startsWith("plain /undici"));
  },
});

Deno.test({
  ...opts,
  name: "undici EnvHttpProxyAgent reaches an HTTPS target through a CONNECT tunnel",
  async fn() {
    const { h } = await session();
    const r = await run("node", [
      `${CLIENTS}undici_proxy.mjs`,
      `${tlsTarget(h)}/tunnelled`,
      h.ca.caFile,
    ], h.proxy.env);
    assertEquals(r.code, 0, r.stdout + r.stderr);
    assert(r.stdout.includes('\\"path\\":\\"/tunnelled\\"'), r.stdout);
    // refused.test is not on this session's allowlist (and not a credential route's host,
    // which would be intercepted): refused.
    const refused = await run("node", [
      `${CLIENTS}undici_proxy.mjs`,
      `https://refused.test:${h.up.port}/x`,
      h.ca.caFile,
    ], h.proxy.env);
    assert(refused.stdout.includes('"event":"error"'), refused.stdout);
    const rec = auditRecords(h).filter((x) => x.host === `refused.test:${h.up.port}`);
    assertEquals(rec.at(-1)!.decision, "denied-domain");
  },
});

Deno.test({
  ...opts,
  ignore: !hasCommand("git"),
  name: "git sends proxy credentials after the 407 challenge on the same connection",
  async fn() {
    const { h } = await session();
    const before = auditRecords(h).length;
    const r = await run("git", ["ls-remote", `${tlsTarget(h)}/repo.git`], {
      ...h.proxy.env,
      GIT_SSL_CAINFO: h.ca.caFile,
      GIT_TERMINAL_PROMPT: "0",
      GIT_CONFIG_NOSYSTEM: "1",
    });
    // The target is not a git server: git fails after the proxy let it through.
    await waitForRecord(h, (x) => x.kind === "connect" && x.decision === "allowed", before);
    const recs = auditRecords(h).slice(before).filter((x) => x.kind === "connect");
    assertEquals(recs.map((x) => x.decision), ["proxy-auth-required", "allowed"], r.stderr);
    assert(h.up.seen.some((s) => s.path.startsWith("/repo.git/info/refs")));
  },
});

Deno.test({
  ...opts,
  ignore: !hasCommand("npm"),
  name: "npm reaches an allowed registry through the proxy",
  async fn() {
    const { h } = await session();
    const before = auditRecords(h).length;
    const r = await run("npm", ["ping", "--registry", `${tlsTarget(h)}/`], {
      ...h.proxy.env,
      npm_config_cache: await Deno.makeTempDir(),
      npm_config_cafile: h.ca.caFile,
    });
    assertEquals(r.code, 0, r.stderr);
    await waitForRecord(
      h,
      (x) => x.decision === "allowed" && String(x.host).startsWith("allowed.test"),
      before,
    );
  },
});

Deno.test({
  ...opts,
  ignore: !hasCommand("pip3"),
  name: "pip reaches an allowed index through the proxy",
  async fn() {
    const { h } = await session();
    const before = auditRecords(h).length;
    const r = await run("pip3", [
      "download",
      "--timeout",
      "60",
      "--no-cache-dir",
      "--isolated",
      "--no-deps",
      "--disable-pip-version-check",
      "--retries",
      "0",
      "--index-url",
      `${tlsTarget(h)}/simple/`,
      "-d",
      await Deno.makeTempDir(),
      "nothing-here",
      // Not --cert: pip's requests lets REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE, which an
      // airlock session sets to its own bundle, override it; so a user points them instead.
    ], {
      ...h.proxy.env,
      HOME: await Deno.makeTempDir(),
      REQUESTS_CA_BUNDLE: h.ca.caFile,
      CURL_CA_BUNDLE: h.ca.caFile,
    });
    // pip exits non-zero (the index has no such project) after a verified TLS exchange.
    assert(!/ssl|certificate/i.test(r.stdout + r.stderr), r.stdout + r.stderr);
    assert(/nothing-here/.test(r.stdout + r.stderr), r.stdout + r.stderr);
    await waitForRecord(h, (x) => x.decision === "allowed", before).catch((err) => {
      const records = JSON.stringify(auditRecords(h).slice(before));
      throw new Error(
        `${err.message} (${records}); pip exited ${r.code}:\n${r.stdout}\n${r.stderr}`,
      );
    });
  },
});

Deno.test({
  ...opts,
  name: "egress sessions close cleanly",
  async fn() {
    if (!shared) return;
    await shared.h.close();
    await shared.plain.shutdown();
  },
});
