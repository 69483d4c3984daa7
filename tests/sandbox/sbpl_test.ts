import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { ancestors, buildSeatbeltProfile, sbplString } from "../../src/sandbox/sbpl.ts";
import { makePolicy } from "./_helpers.ts";

Deno.test("buildSeatbeltProfile() denies by default and grants paths by access", () => {
  const sbpl = buildSeatbeltProfile(
    makePolicy({ workdir: "/Users/me/proj", read: ["/opt/tools"] }),
  );
  const lines = sbpl.split("\n");
  ok(lines.includes("(deny default)"));
  ok(lines.includes('(allow file-read* process-exec (subpath "/opt/tools"))'));
  ok(!lines.includes('(allow file-write* (subpath "/opt/tools"))'));
  ok(lines.includes('(allow file-write* (subpath "/Users/me/proj"))'));
  ok(lines.includes('(allow file-read* process-exec (subpath "/Users/me/proj"))'));
});

Deno.test("buildSeatbeltProfile() lets ancestors of grants be stat'ed, nothing more", () => {
  const sbpl = buildSeatbeltProfile(makePolicy({ workdir: "/Users/me/proj" }));
  const meta = sbpl.split("\n").find((l) => l.startsWith("(allow file-read-metadata"))!;
  ok(meta.includes('(literal "/Users/me")') && meta.includes('(literal "/")'), meta);
  ok(!meta.includes('(literal "/Users/me/proj")'), meta);
});

Deno.test("buildSeatbeltProfile() allows only granted TCP ports and the proxy port", () => {
  const policy = makePolicy({
    workdir: "/w",
    net: "proxy",
    connectPorts: [443],
    bindPorts: [3000],
  });
  const sbpl = buildSeatbeltProfile(policy, { proxyPort: 41000 });
  ok(sbpl.includes('(allow network-outbound (remote tcp "*:443"))'));
  ok(sbpl.includes('(allow network-outbound (remote tcp "*:41000"))'));
  ok(sbpl.includes('(allow network-bind network-inbound (local tcp "*:3000"))'));
  ok(!sbpl.includes("(allow network*)"));
  ok(!sbpl.includes("AF_UNIX"));
});

Deno.test("buildSeatbeltProfile() opens the network only in open mode, UNIX sockets only when allowed", () => {
  ok(buildSeatbeltProfile(makePolicy({ workdir: "/w", net: "open" })).includes("(allow network*)"));
  const unix = buildSeatbeltProfile(makePolicy({ workdir: "/w", allowUnixSockets: true }));
  ok(unix.includes("(allow system-socket (socket-domain AF_UNIX))"));
});

Deno.test("buildSeatbeltProfile() keeps signals and process inspection inside the sandbox", () => {
  const sbpl = buildSeatbeltProfile(makePolicy({ workdir: "/w" }));
  ok(sbpl.includes("(allow signal (target same-sandbox))"));
  ok(!/\(allow signal\)/.test(sbpl));
});

Deno.test("sbplString() escapes quotes and backslashes so a path cannot inject rules", () => {
  assertEquals(sbplString('/tmp/a") (allow default'), '"/tmp/a\\") (allow default"');
  assertEquals(sbplString("C:\\x"), '"C:\\\\x"');
  const sbpl = buildSeatbeltProfile(makePolicy({ workdir: '/tmp/x") (allow default) ("' }));
  ok(!sbpl.split("\n").includes("(allow default)"));
});

Deno.test("ancestors() lists every proper ancestor, root first", () => {
  assertEquals(ancestors("/a/b/c"), ["/", "/a", "/a/b"]);
  assertEquals(ancestors("/"), ["/"]);
});
