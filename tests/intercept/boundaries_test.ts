/**
 * Attacks on TLS interception from a client of the proxy: a TLS server name other than
 * the CONNECT target, a `Host` naming another route's host inside the tunnel, a path
 * outside a route's base path, a CONNECT without proxy credentials, and the CA itself
 * (what it may vouch for, that its key cannot be exported).
 */

import { deepStrictEqual as equal, ok } from "node:assert/strict";
import net from "node:net";
import tls from "node:tls";
import {
  auditRecords,
  type Harness,
  startHarness,
  waitForRecord,
} from "../proxy/_support/harness.ts";
import { createSessionCa } from "../../src/intercept/session_ca.ts";
import { interceptTargets } from "../../src/proxy/session.ts";
import { BUILTIN_ROUTES } from "../../src/proxy/routes.ts";

const opts = { sanitizeResources: false, sanitizeOps: false };

/** Opens a CONNECT tunnel to `target` with the session's proxy credentials. */
function tunnel(
  h: Harness,
  target: string,
  withAuth = true,
): Promise<{ socket: net.Socket; status: string }> {
  const proxyUrl = new URL(h.proxy.env.HTTPS_PROXY!);
  const auth = withAuth
    ? `Proxy-Authorization: Basic ${btoa(`${proxyUrl.username}:${proxyUrl.password}`)}\r\n`
    : "";
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(proxyUrl.port), "127.0.0.1", () => {
      socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth}\r\n`);
    });
    socket.once("error", reject);
    socket.once("data", (d: Uint8Array) => {
      resolve({ socket, status: new TextDecoder().decode(d).split("\r\n")[0] ?? "" });
    });
  });
}

function tlsOver(socket: net.Socket, servername: string, ca: string): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const t = tls.connect({ socket, servername, ca, rejectUnauthorized: false }, () => resolve(t));
    t.once("error", reject);
  });
}

function exchange(t: tls.TLSSocket, request: string): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    t.on("data", (d: Uint8Array) => text += new TextDecoder().decode(d));
    t.on("end", () => resolve(text));
    t.on("close", () => resolve(text));
    t.write(request);
  });
}

Deno.test("a TLS server name other than the CONNECT target ends the tunnel", opts, async () => {
  const h = await startHarness();
  try {
    const { socket, status } = await tunnel(h, "api.openai.com:443");
    equal(status, "HTTP/1.1 200 Connection Established");
    const t = await tlsOver(socket, "api.anthropic.com", h.proxy.caPem!).catch(() => null);
    if (t) await exchange(t, "GET / HTTP/1.1\r\nHost: api.anthropic.com\r\n\r\n");
    await waitForRecord(h, (r) => r.kind === "connect" && r.decision === "sni-mismatch");
    equal(h.up.seen.length, 0);
  } finally {
    await h.close();
  }
});

Deno.test(
  "a Host naming another host inside an intercepted tunnel gets 421 and nothing goes upstream",
  opts,
  async () => {
    const h = await startHarness();
    try {
      const { socket } = await tunnel(h, "api.openai.com:443");
      const t = await tlsOver(socket, "api.openai.com", h.proxy.caPem!);
      ok(t.authorized, String(t.authorizationError));
      const token = h.proxy.env.ANTHROPIC_API_KEY!;
      const reply = await exchange(
        t,
        `GET /v1/messages HTTP/1.1\r\nHost: api.anthropic.com\r\nx-api-key: ${token}\r\nConnection: close\r\n\r\n`,
      );
      ok(reply.startsWith("HTTP/1.1 421"), reply);
      equal(h.up.seen.length, 0);
      ok(auditRecords(h).some((r) => r.decision === "misdirected"));
    } finally {
      await h.close();
    }
  },
);

Deno.test("the session leaf verifies against the session CA only for its host", opts, async () => {
  const h = await startHarness();
  try {
    const { socket } = await tunnel(h, "api.openai.com:443");
    const t = await tlsOver(socket, "api.openai.com", h.proxy.caPem!);
    ok(t.authorized);
    const cert = t.getPeerCertificate();
    equal(cert.subjectaltname, "DNS:api.openai.com");
    t.destroy();
  } finally {
    await h.close();
  }
});

Deno.test(
  "an intercepted CONNECT without the proxy credentials gets 407 and no TLS",
  opts,
  async () => {
    const h = await startHarness();
    try {
      const { socket, status } = await tunnel(h, "api.openai.com:443", false);
      equal(status, "HTTP/1.1 407 Proxy Authentication Required");
      socket.destroy();
    } finally {
      await h.close();
    }
  },
);

Deno.test(
  "a route with a base path serves only paths beneath it through interception",
  opts,
  async () => {
    const h = await startHarness({
      routes: (port) => ({
        team: {
          upstream: `https://custom.test:${port}/team-a`,
          token: { header: "authorization", format: "Bearer {}" },
          inject: { header: "authorization", format: "Bearer {}" },
          env: { TEAM_TOKEN: "{token}" },
        },
      }),
      resolve: (port) => [`custom.test:${port}:127.0.0.1`],
    });
    try {
      const token = h.proxy.env.TEAM_TOKEN!;
      const { socket } = await tunnel(h, "custom.test:443");
      const t = await tlsOver(socket, "custom.test", h.proxy.caPem!);
      const reply = await exchange(
        t,
        `GET /team-b/echo HTTP/1.1\r\nHost: custom.test\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`,
      );
      ok(reply.startsWith("HTTP/1.1 404"), reply);
      equal(h.up.seen.length, 0);
      ok(auditRecords(h).some((r) => r.decision === "outside-base-path"));
    } finally {
      await h.close();
    }
  },
);

Deno.test("the session CA: pathlen 0, name-constrained, refuses other hosts, key not extractable", async () => {
  const ca = await createSessionCa(["api.openai.com"], 3600_000);
  const child = new Deno.Command("openssl", {
    args: ["x509", "-noout", "-text"],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(ca.certPem));
  await w.close();
  const text = new TextDecoder().decode((await child.output()).stdout);
  ok(text.includes("CA:TRUE, pathlen:0"), text);
  ok(/Permitted:\s+DNS:api\.openai\.com/.test(text), text);
  ok(ca.notAfter.getTime() - Date.now() <= 3600_000);
  let refused = false;
  await ca.mintLeaf("evil.test").catch(() => refused = true);
  ok(refused);
  ok(
    !Object.values(ca).some((v) => v instanceof CryptoKey),
    "no key is reachable from the CA object",
  );
});

Deno.test("interception can be turned off per route, and IP-address upstreams are never intercepted", () => {
  const route = (upstream: string) => ({
    spec: { ...BUILTIN_ROUTES.openai!, upstream: new URL(upstream) },
    token: "t",
    secret: new Uint8Array(1),
  });
  const active = new Map([
    ["openai", route("https://api.openai.com")],
    ["local", route("https://10.0.0.5:8443/x")],
    ["anthropic", route("https://api.anthropic.com")],
  ]);
  equal(interceptTargets(active, {}).map((t) => t.route), ["openai", "anthropic"]);
  equal(interceptTargets(active, { intercept: { anthropic: false } }).map((t) => t.route), [
    "openai",
  ]);
});

Deno.test("a profile's intercept entry must be a boolean", async () => {
  const { validateProfile } = await import("../../src/policy/validate.ts");
  let message = "";
  try {
    validateProfile({ intercept: { openai: "no" } }, {
      name: "p",
      file: "/p.json",
      builtin: false,
    });
  } catch (err) {
    message = (err as Error).message;
  }
  ok(message.includes("intercept.openai must be true or false"), message);
});

Deno.test("airlock proxy --ca-dir writes the CA files there, points the variables at the client's path, removes them at exit", async () => {
  const dir = await Deno.makeTempDir({ prefix: "airlock-cadir-" });
  const state = await Deno.makeTempDir({ prefix: "airlock-cadir-state-" });
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        new URL("../../main.ts", import.meta.url).pathname,
        "proxy",
        "--credential",
        "openai=env:AIRLOCK_K",
        "--ca-dir",
        `${dir}/ca`,
        "--ca-dir-in-client",
        "/run/airlock-ca",
        "--json",
      ],
      env: { AIRLOCK_K: "sk-real-cadir", XDG_STATE_HOME: state },
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const reader = child.stdout.getReader();
    let text = "";
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    const out = JSON.parse(text);
    const vars = out.env ?? out.variables;
    equal(vars.SSL_CERT_FILE, "/run/airlock-ca/bundle.pem");
    equal(vars.NODE_EXTRA_CA_CERTS, "/run/airlock-ca/ca.pem");
    ok(Deno.readTextFileSync(`${dir}/ca/bundle.pem`).includes("BEGIN CERTIFICATE"));
    equal(Deno.statSync(`${dir}/ca/ca.pem`).mode! & 0o777, 0o600);
    child.kill("SIGTERM");
    await child.status;
    reader.releaseLock();
    await child.stdout.cancel().catch(() => {});
    equal([...Deno.readDirSync(`${dir}/ca`)].length, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(state, { recursive: true });
  }
});
