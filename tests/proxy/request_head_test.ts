import { deepStrictEqual as assertEquals, ok as assert, throws } from "node:assert/strict";
import { parseRequestHead } from "../../src/proxy/request_head.ts";
import {
  containedPath,
  parseAbsoluteForm,
  parseAuthority,
  TargetError,
} from "../../src/proxy/request_target.ts";

const enc = new TextEncoder();
const head = (text: string) => parseRequestHead(enc.encode(text));

const VALID: [string, string, string][] = [
  ["origin-form", "GET /openai/v1/models?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080", "reverse"],
  ["CONNECT", "CONNECT api.test:443 HTTP/1.1\r\nHost: api.test:443", "egress"],
  ["CONNECT to IPv6", "CONNECT [2001:db8::1]:443 HTTP/1.1\r\nHost: [2001:db8::1]:443", "egress"],
  ["absolute-form", "GET http://a.test/x HTTP/1.1\r\nHost: a.test", "egress"],
  ["OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: x", "reverse"],
  ["HTTP/1.0 without Host", "GET / HTTP/1.0", "reverse"],
  ["chunked", "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked", "reverse"],
  [
    "repeated equal lengths",
    "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5",
    "reverse",
  ],
  ["obs-text in a value", "GET / HTTP/1.1\r\nHost: x\r\nX: caf\xe9", "reverse"],
];

for (const [what, text, kind] of VALID) {
  Deno.test(`parseRequestHead() accepts ${what}`, () => {
    assertEquals(head(text).kind, kind);
  });
}

const INVALID: [string, string][] = [
  ["two spaces in the request line", "GET  / HTTP/1.1\r\nHost: x"],
  ["a method that is not a token", "G(T / HTTP/1.1\r\nHost: x"],
  ["HTTP/2.0", "GET / HTTP/2.0\r\nHost: x"],
  ["HTTP/1.1 without Host", "GET / HTTP/1.1"],
  ["two Host headers", "GET / HTTP/1.1\r\nHost: a\r\nHost: b"],
  ["a Host with a path", "GET /v1 HTTP/1.1\r\nHost: x/openai"],
  ["a Host with userinfo", "GET /v1 HTTP/1.1\r\nHost: a@b"],
  ["a bare LF", "GET / HTTP/1.1\nHost: x"],
  ["a bare CR", "GET / HTTP/1.1\r\nHost: x\rX: y"],
  ["obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b"],
  ["space before the colon", "GET / HTTP/1.1\r\nHost : x"],
  ["NUL in a value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\0b"],
  ["ESC in a value", "GET / HTTP/1.1\r\nHost: x\r\nX: a\x1bb"],
  ["a name with a space", "GET / HTTP/1.1\r\nHost: x\r\nX Y: a"],
  ["CL and TE", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked"],
  ["differing CLs", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4"],
  ["a CL list that differs", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 4"],
  ["a negative CL", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1"],
  ["a TE other than chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked"],
  [
    "two TE headers",
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
  ],
  ["TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked"],
  ["a space in the path", "GET /a b HTTP/1.1\r\nHost: x"],
  ["ESC in the path", "GET /\x1b[2K HTTP/1.1\r\nHost: x"],
  ["a backslash in the path", "GET /gw\\..\\x HTTP/1.1\r\nHost: x"],
  ["a bad percent-encoding", "GET /a%zz HTTP/1.1\r\nHost: x"],
  ["a fragment", "GET /a#b HTTP/1.1\r\nHost: x"],
  ["CONNECT without a port", "CONNECT api.test HTTP/1.1\r\nHost: api.test"],
  ["CONNECT to port 0", "CONNECT api.test:0 HTTP/1.1\r\nHost: api.test"],
  ["CONNECT with a path", "CONNECT api.test:443/x HTTP/1.1\r\nHost: api.test"],
  ["CONNECT to ESC", "CONNECT \x1b[2K:443 HTTP/1.1\r\nHost: x"],
  ["CONNECT with a percent-encoded host", "CONNECT a%2ftest:443 HTTP/1.1\r\nHost: x"],
  ["* outside OPTIONS", "GET * HTTP/1.1\r\nHost: x"],
  ["an absolute-form with userinfo", "GET http://u@a.test/ HTTP/1.1\r\nHost: a.test"],
  ["an ftp target", "GET ftp://a.test/ HTTP/1.1\r\nHost: a.test"],
];

for (const [what, text] of INVALID) {
  Deno.test(`parseRequestHead() refuses ${what}`, () => {
    throws(() => head(text), TargetError);
  });
}

const ESCAPES = [
  "/gw/..%2f..%2fteam-b/echo",
  "/gw/..%2F..%2Fteam-b/echo",
  "/gw/%2e%2e/team-b",
  "/gw/%2E%2e/team-b",
  "/gw/.%2e/team-b",
  "/gw/%252e%252e/team-b",
  "/gw/%25252e%25252e/team-b",
  "/gw/..%5c..%5cteam-b",
  "/gw/..%255cteam-b",
  "/gw/..;/team-b",
  "/gw/%2e%2e;x/team-b",
  "/gw/../team-b",
  "/gw/./x",
  "/gw/%00",
  "/gw/%1b[2K",
  "/gw/%c0%ae%c0%ae/x",
];

for (const path of ESCAPES) {
  Deno.test(`containedPath() refuses ${path}`, () => {
    throws(() => containedPath(path), TargetError);
  });
}

for (const path of ["/gw/v1/models", "/gw/a%2Fb", "/gw/v1/..x", "/gw/...", "/gw/%41", "/gw//x"]) {
  Deno.test(`containedPath() keeps ${path} as it is`, () => {
    assertEquals(containedPath(path), path);
  });
}

Deno.test("parseAuthority() normalises case, brackets and a trailing dot", () => {
  assertEquals(parseAuthority("API.Test.:443"), { host: "api.test", port: 443 });
  assertEquals(parseAuthority("[0:0::1]:8443"), { host: "::1", port: 8443 });
});

Deno.test("parseAbsoluteForm() gives the default port and an origin path", () => {
  const t = parseAbsoluteForm("http://a.test?x=1");
  assertEquals([t.host, t.port, t.path, t.query], ["a.test", 80, "/", "x=1"]);
  assert(parseAbsoluteForm("https://a.test/").port === 443);
});
