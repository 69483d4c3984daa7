/**
 * TLS interception end to end: the real CLI, a CONFINED curl that ignores base URLs and
 * talks to `https://api.openai.com` itself through `HTTPS_PROXY`, trusting the session CA
 * through the variables airlock sets. The upstream is a fake on ADDR:443, pinned with
 * `--resolve` and trusted with `--upstream-ca`.
 */

import { deepStrictEqual as equal, ok } from "node:assert/strict";
import { startUpstream, type Upstream } from "../proxy/_support/port443_upstream.ts";
import { confinedShell } from "./_confined.ts";

function confined(u: Upstream, script: string, extra: string[] = []) {
  return confinedShell(script, {
    credential: "openai",
    secret: SECRET,
    caFile: u.ca.caFile,
    pins: [`api.openai.com:443:${u.addr}`],
    extra,
  });
}

const linuxOnly = {
  ignore: Deno.build.os !== "linux",
  sanitizeResources: false,
  sanitizeOps: false,
};
const SECRET = `sk-REAL-intercept-${crypto.randomUUID()}`;

Deno.test(
  "confined curl reaches api.openai.com through interception with only the phantom token",
  linuxOnly,
  async () => {
    const u = await startUpstream({});
    try {
      const r = await confined(
        u,
        'env | grep -c "$AIRLOCK_NEVER" >/dev/null; printf "%s\\n" "$SSL_CERT_FILE";' +
          'curl -sS --fail-with-body -H "authorization: Bearer $OPENAI_API_KEY" ' +
          "https://api.openai.com/v1/chat/completions -d '{\"model\":\"m\"}' -H 'content-type: application/json'",
      );
      equal(r.code, 0, r.stderr);
      ok(r.stdout.includes("hello from fake openai"), r.stdout);
      ok(r.stdout.startsWith("/tmp/.airlock/bundle.pem"), r.stdout);
      const seen = u.up.seen.at(-1)!;
      equal(seen.headers.authorization, `Bearer ${SECRET}`);
      ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET));
      const route = r.audit.find((x) => x.kind === "route");
      equal(route?.via, "intercept");
      equal(route?.decision, "allowed");
      ok(r.audit.some((x) => x.kind === "connect" && x.decision === "intercepted"));
    } finally {
      await u.close();
    }
  },
);

Deno.test(
  "the session CA files are readable in the sandbox and cannot be changed or replaced",
  linuxOnly,
  async () => {
    const u = await startUpstream({});
    try {
      const r = await confined(
        u,
        "d=/tmp/.airlock; test -r $d/bundle.pem && echo readable; " +
          "grep -c 'BEGIN CERTIFICATE' $d/ca.pem; " +
          "(echo x >> $d/bundle.pem) 2>/dev/null && echo APPENDED; " +
          "rm -f $d/ca.pem 2>/dev/null; test -e $d/ca.pem && echo still-there; " +
          "mv $d /tmp/moved 2>/dev/null && echo MOVED; " +
          "touch $d/new 2>/dev/null && echo CREATED; true",
      );
      equal(r.code, 0, r.stderr);
      equal(r.stdout.trim().split("\n"), ["readable", "1", "still-there"]);
    } finally {
      await u.close();
    }
  },
);

Deno.test(
  "a client that pins its own CA fails closed, and the audit says tls-client-rejected",
  linuxOnly,
  async () => {
    const u = await startUpstream({});
    try {
      const r = await confined(
        u,
        'curl -sS --cacert "$CA_FILE" -H "authorization: Bearer $OPENAI_API_KEY" https://api.openai.com/v1/models',
        ["--read", u.ca.caFile, "--env", "CA_FILE"],
      );
      equal(r.code, 60, r.stderr); // curl: peer certificate cannot be authenticated
      equal(u.up.seen.length, 0);
      ok(
        r.audit.some((x) => x.kind === "connect" && x.decision === "tls-client-rejected"),
        JSON.stringify(r.audit),
      );
    } finally {
      await u.close();
    }
  },
);

Deno.test(
  "CONNECT to an allowed domain without a credential stays a plain tunnel",
  linuxOnly,
  async () => {
    const u = await startUpstream({});
    try {
      // allowed.test is on the upstream's own certificate (the test CA): the client must see
      // that certificate, not a session leaf, and no key is added.
      const r = await confined(
        u,
        'curl -sS --cacert "$CA_FILE" https://allowed.test/v1/echo -d hi',
        [
          "--allow-domain",
          "allowed.test",
          "--resolve",
          `allowed.test:443:${u.addr}`,
          "--read",
          u.ca.caFile,
          "--env",
          "CA_FILE",
        ],
      );
      equal(r.code, 0, r.stderr);
      const seen = u.up.seen.at(-1)!;
      equal(seen.headers.authorization, undefined);
      ok(
        r.audit.some((x) =>
          x.kind === "connect" && x.decision === "allowed" && x.host === "allowed.test:443"
        ),
      );
    } finally {
      await u.close();
    }
  },
);
