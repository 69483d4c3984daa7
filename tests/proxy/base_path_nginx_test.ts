/**
 * A route's base path cannot be left by any encoding, tested against real nginx as the
 * upstream (it decodes `%2F` and then resolves dot segments): a custom route `gw` with
 * upstream `https://custom.test:PORT/team-a`, and nginx answering which location the
 * request landed in. Each attack is sent over a raw socket (a client library would
 * normalise the path first) and must be refused with 400 or stay under `/team-a`, with
 * the audit record naming the path nginx received. Reproduces finding 4 of issue 10
 * (`/gw/..%2f..%2fteam-b/echo` reached `/team-b` with the key attached).
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { auditRecords, type Harness, startHarness } from "./_support/harness.ts";
import { createTestCa, type TestCa } from "./_support/test_ca.ts";

const NGINX = ["/usr/sbin/nginx", "/usr/bin/nginx"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});
const opts = { sanitizeResources: false, sanitizeOps: false };
const enc = new TextEncoder();
const dec = new TextDecoder();

interface Nginx {
  port: number;
  close(): Promise<void>;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function startNginx(ca: TestCa): Promise<Nginx> {
  const dir = await Deno.makeTempDir({ prefix: "airlock-nginx-" });
  const port = freePort();
  await Deno.writeTextFile(`${dir}/cert.pem`, ca.certPem);
  await Deno.writeTextFile(`${dir}/key.pem`, ca.keyPem);
  await Deno.mkdir(`${dir}/logs`);
  const where = (name: string) => `loc=${name} uri=$uri raw=$request_uri key=$http_x_gw_key\\n`;
  await Deno.writeTextFile(
    `${dir}/nginx.conf`,
    `${Deno.uid() === 0 ? "user root;" : ""}
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port} ssl;
    server_name custom.test;
    ssl_certificate ${dir}/cert.pem;
    ssl_certificate_key ${dir}/key.pem;
    default_type text/plain;
    location /team-a/ { return 200 "team-a ${where("a")}"; }
    location /team-b/ { return 200 "team-b ${where("b")}"; }
    location / { return 200 "elsewhere ${where("other")}"; }
  }
}
`,
  );
  const child = new Deno.Command(NGINX!, {
    args: ["-p", dir, "-c", `${dir}/nginx.conf`],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  for (let i = 0;; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      break;
    } catch (err) {
      if (i > 100) throw new Error(`nginx did not start: ${await stderr}`, { cause: err });
      await new Promise((ok) => setTimeout(ok, 50));
    }
  }
  return {
    port,
    async close() {
      child.kill("SIGTERM");
      await child.status;
      await stderr;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

let shared: { h: Harness; nginx: Nginx } | undefined;

async function session() {
  if (shared) return shared;
  const ca = await createTestCa();
  const nginx = await startNginx(ca);
  const h = await startHarness({
    ca,
    routes: () => ({
      gw: {
        upstream: `https://custom.test:${nginx.port}/team-a`,
        token: { header: "x-gw-token" },
        inject: { header: "x-gw-key" },
        env: { GW_TOKEN: "{token}" },
      },
    }),
    resolve: [`custom.test:${nginx.port}:127.0.0.1`],
  });
  shared = { h, nginx };
  return shared;
}

async function raw(h: Harness, target: string, host = "127.0.0.1"): Promise<[number, string]> {
  const c = await Deno.connect({ hostname: "127.0.0.1", port: h.proxy.port });
  await c.write(enc.encode(
    `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nX-Gw-Token: ${h.proxy.env.GW_TOKEN}\r\nConnection: close\r\n\r\n`,
  ));
  let text = "";
  const buf = new Uint8Array(4096);
  for (;;) {
    const n = await c.read(buf);
    if (n === null) break;
    text += dec.decode(buf.subarray(0, n));
  }
  c.close();
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  return [status, text.slice(text.indexOf("\r\n\r\n") + 4)];
}

Deno.test({
  ...opts,
  name: "a base-path route reaches nginx under its base path, and the audit names that path",
  ignore: !NGINX,
  async fn() {
    const { h } = await session();
    const [status, body] = await raw(h, "/gw/v1/echo?x=1");
    assertEquals(status, 200);
    // nginx echoes the key it got: the real one, which the proxy scrubs on the way back.
    assertEquals(
      body.split("\n")[0],
      `team-a loc=a uri=/team-a/v1/echo raw=/team-a/v1/echo?x=1 key=${h.proxy.env.GW_TOKEN}`,
    );
    const rec = auditRecords(h).at(-1)!;
    assertEquals(rec.path, "/gw/v1/echo?x=");
    assertEquals(rec.scrubbed, 1);
    // An encoded slash that stays inside the base path is passed as sent.
    const [s2, b2] = await raw(h, "/gw/a%2Fb");
    assertEquals(s2, 200);
    assert(b2.includes("raw=/team-a/a%2Fb "), b2);
  },
});

const ATTACKS = [
  "/gw/..%2f..%2fteam-b/echo",
  "/gw/..%2fteam-b/echo",
  "/gw/..%2Fteam-b/echo",
  "/gw/v1/..%2f..%2fteam-b/echo",
  "/gw/..%2F..%2Fteam-b/echo",
  "/gw/%2e%2e/team-b/echo",
  "/gw/%2E%2E%2Fteam-b/echo",
  "/gw/.%2e/team-b/echo",
  "/gw/%2e./team-b/echo",
  "/gw/%252e%252e%252fteam-b/echo",
  "/gw/..%252fteam-b/echo",
  "/gw/..%5c..%5cteam-b/echo",
  "/gw/..%5Cteam-b/echo",
  "/gw\\..\\team-b/echo",
  "/gw/..\\team-b/echo",
  "/gw/..;/team-b/echo",
  "/gw/%2e%2e;x/team-b/echo",
  "/gw/../team-b/echo",
  "/gw/./../team-b/echo",
  "/gw/v1/../../team-b/echo",
  "/gw/%c0%ae%c0%ae/team-b/echo",
  "/gw/%00/../team-b",
];

for (const target of ATTACKS) {
  Deno.test({
    ...opts,
    name: `the base path is not left by ${target}`,
    ignore: !NGINX,
    async fn() {
      const { h } = await session();
      const [status, body] = await raw(h, target);
      if (status === 400) {
        // Refused by airlock, not by nginx (which answers 400 to a path above its root).
        assert(!body.includes("nginx"), body);
        return;
      }
      assert(body.startsWith("team-a "), `${status} ${body}`);
      const rec = auditRecords(h).at(-1)!;
      assert(body.includes(`raw=/team-a${String(rec.path).slice(3)}`), `${rec.path} ${body}`);
    },
  });
}

for (const host of ["127.0.0.1/gw/..", "127.0.0.1/team-b", "x?y", "a@b", "x#y"]) {
  Deno.test({
    ...opts,
    name: `a Host header ${JSON.stringify(host)} is refused with 400`,
    ignore: !NGINX,
    async fn() {
      const { h } = await session();
      const [status, body] = await raw(h, "/gw/echo", host);
      assertEquals(status, 400, body);
    },
  });
}

Deno.test({
  ...opts,
  name: "nginx base-path sessions close",
  ignore: !NGINX,
  async fn() {
    await shared?.h.close();
    await shared?.nginx.close();
  },
});
