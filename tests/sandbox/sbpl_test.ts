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
  ok(sbpl.includes('(allow network-outbound (remote tcp "localhost:443"))'));
  ok(sbpl.includes('(allow network-outbound (remote tcp "localhost:41000"))'));
  ok(sbpl.includes('(allow network-bind network-inbound (local tcp "localhost:3000"))'));
  ok(!sbpl.includes('"*:'), "a port rule for every host");
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

Deno.test("buildSeatbeltProfile() denies metadata writes before the write grants allow them", () => {
  const lines = buildSeatbeltProfile(makePolicy({ workdir: "/Users/me/proj" })).split("\n");
  const deny = lines.indexOf(
    "(deny file-write-mode file-write-owner file-write-xattr file-write-times file-write-flags)",
  );
  const grant = lines.indexOf('(allow file-write* (subpath "/Users/me/proj"))');
  ok(deny >= 0 && grant > deny, "the grant must come after (and override) the denial");
  ok(
    !lines.some((l) => l.includes("file-write*") && l.includes("/dev/null")),
    "devices: data only",
  );
});

Deno.test("buildSeatbeltProfile() allows the command's own terminal and no other", () => {
  const sbpl = buildSeatbeltProfile(makePolicy({ workdir: "/w" }), { terminal: "/dev/ttys004" });
  ok(sbpl.includes('(allow file-read* file-write-data file-ioctl (literal "/dev/ttys004"))'));
  ok(!sbpl.includes("ttys[0-9]"), "a rule for every terminal");
  const none = buildSeatbeltProfile(makePolicy({ workdir: "/w" }), { terminal: "/dev/ttys0 evil" });
  ok(!none.includes("evil"));
});

Deno.test("buildSeatbeltProfile() matches the golden profile for the default shape", async () => {
  const policy = makePolicy({ workdir: "/Users/me/proj", net: "proxy", connectPorts: [5432] });
  const sbpl = buildSeatbeltProfile(policy, { proxyPort: 41000, terminal: "/dev/ttys001" });
  const golden = new URL("./fixtures/seatbelt_default.sb", import.meta.url);
  if (Deno.env.get("AIRLOCK_UPDATE_GOLDEN") === "1") await Deno.writeTextFile(golden, sbpl);
  assertEquals(sbpl, await Deno.readTextFile(golden));
});
