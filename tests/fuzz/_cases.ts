/**
 * The fuzzer's case generator: a seeded PRNG (mulberry32) and mutations of valid
 * requests for every way into the proxy — base-URL routes, CONNECT (also after a 407),
 * plain HTTP proxying — with CR/LF/NUL/obs-fold in names and values, Content-Length and
 * Transfer-Encoding combinations, chunk sizes, pipelining, half-closes, garbage after
 * CONNECT and random bytes. Deterministic for a seed.
 *
 * @module
 */

/** A seeded pseudo-random generator. */
export class Rng {
  #s: number;

  /** @param seed Any 32-bit integer. */
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** One of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** What one case sends. */
export interface FuzzCase {
  /** Which way in it mostly exercises (for the report). */
  family: string;
  /** The bytes, in the pieces they are written in. */
  pieces: Uint8Array[];
  /** Half-close (shut the write side) after sending. */
  halfClose: boolean;
}

/** The session values a case may use. */
export interface Session {
  token: string;
  proxyAuth: string;
  tlsPort: number;
  plainPort: number;
}

const NASTY = ["\r", "\n", "\r\n", "\0", "\x1b[2K", "\x7f", " ", "\t", ":", "\r\n ", "\xff", "%00"];
const PATHS = [
  "/echo/v1/x",
  "/echo/..%2f..%2fother",
  "/echo/%2e%2e/x",
  "/echo/%252e%252e/x",
  "/echo\\..\\x",
  "/echo/..;/x",
  "/echo/a%2Fb",
  "/echo//x",
  "/echo/x?key=1&a=%zz",
  "/echo/" + "a".repeat(3000),
  "/other/x",
  "/",
  "*",
  "/echo/%c0%ae",
  "/echo/\u00e9",
];
const METHODS = [
  "GET",
  "POST",
  "PUT",
  "DELETE",
  "OPTIONS",
  "HEAD",
  "PATCH",
  "CONNECT",
  "get",
  "G\x00T",
  "TRACE",
  "PRI",
];

function mutate(r: Rng, text: string): string {
  const out = [...text];
  const n = 1 + r.int(3);
  for (let i = 0; i < n && out.length > 0; i++) {
    const at = r.int(out.length);
    const op = r.int(4);
    if (op === 0) out.splice(at, 1);
    else if (op === 1) out.splice(at, 0, r.pick(NASTY));
    else if (op === 2) out[at] = String.fromCharCode(r.int(256));
    else out.splice(at, 0, ...out.slice(at, at + r.int(8)));
  }
  return out.join("");
}

function body(r: Rng): { headers: string[]; bytes: string } {
  const data = "x".repeat(r.pick([0, 1, 10, 100, 5000]));
  switch (r.int(8)) {
    case 0:
      return { headers: [`Content-Length: ${data.length}`], bytes: data };
    case 1: {
      const size = data.length.toString(16);
      return { headers: ["Transfer-Encoding: chunked"], bytes: `${size}\r\n${data}\r\n0\r\n\r\n` };
    }
    case 2:
      return {
        headers: [`Content-Length: ${data.length}`, "Transfer-Encoding: chunked"],
        bytes: `0\r\n\r\n${data}`,
      };
    case 3:
      return {
        headers: [`Content-Length: ${data.length}`, `Content-Length: ${data.length + 1}`],
        bytes: data,
      };
    case 4:
      return {
        headers: ["Transfer-Encoding: chunked"],
        bytes: r.pick([
          "fffffffffffffffff\r\n",
          "-1\r\nx\r\n",
          "5;ext=1\r\nhello\r\n0\r\n\r\n",
          "5\r\nhelloXX0\r\n\r\n",
          "zz\r\n",
          "5\nhello\n0\n\n",
        ]),
      };
    case 5:
      return { headers: ["Transfer-Encoding: gzip, chunked"], bytes: "0\r\n\r\n" };
    case 6:
      return { headers: [`Content-Length: ${data.length + 10}`], bytes: data }; // short
    default:
      return { headers: [], bytes: "" };
  }
}

function head(
  method: string,
  target: string,
  headers: string[],
  version = "HTTP/1.1",
): string {
  return `${method} ${target} ${version}\r\n${headers.join("\r\n")}\r\n\r\n`;
}

function routeRequest(r: Rng, s: Session): string {
  const b = body(r);
  const headers = [
    "Host: 127.0.0.1",
    ...(r.chance(0.8) ? [`Authorization: Bearer ${r.chance(0.8) ? s.token : "sk-wrong"}`] : []),
    ...b.headers,
    ...(r.chance(0.3) ? [`X-Fuzz: ${mutate(r, "value")}`] : []),
    ...(r.chance(0.2) ? [`${mutate(r, "X-Name")}: v`] : []),
    ...(r.chance(0.1) ? ["X-Folded: a", " continued"] : []),
    ...(r.chance(0.1) ? [`Host: ${r.pick(["x/echo", "a@b", "evil.test"])}`] : []),
    ...(r.chance(0.1) ? [`Proxy-Authorization: ${s.proxyAuth}`] : []),
    ...(r.chance(0.1) ? ["Connection: x-real-key, close"] : []),
  ];
  return head(r.pick(METHODS.filter((m) => m !== "CONNECT")), r.pick(PATHS), headers) + b.bytes;
}

function connectRequest(r: Rng, s: Session): string {
  const target = r.pick([
    `allowed.test:${s.tlsPort}`,
    `allowed.test:${s.plainPort}`,
    "refused.test:443",
    "127.0.0.1:22",
    "[::1]:443",
    "2130706433:80",
    "allowed.test",
    "allowed.test:0",
    mutate(r, `allowed.test:${s.tlsPort}`),
  ]);
  const auth = r.chance(0.7) ? [`Proxy-Authorization: ${s.proxyAuth}`] : [];
  let text = head("CONNECT", target, [`Host: ${target}`, ...auth]);
  if (auth.length === 0 && r.chance(0.7)) {
    // The retry after the 407, on the same connection, possibly mangled.
    const retry = head("CONNECT", target, [
      `Host: ${target}`,
      `Proxy-Authorization: ${s.proxyAuth}`,
    ]);
    text += r.chance(0.5) ? retry : mutate(r, retry);
  }
  if (r.chance(0.5)) {
    text += r.pick([
      "\x16\x03\x01\x00\x05hello", // garbage "TLS"
      `GET / HTTP/1.1\r\nHost: allowed.test\r\n\r\n`,
      "\0\0\0\0",
      "x".repeat(2000),
    ]);
  }
  return text;
}

function forwardRequest(r: Rng, s: Session): string {
  const url = r.pick([
    `http://allowed.test:${s.plainPort}/p?q=1`,
    `http://allowed.test:${s.plainPort}/..%2fx`,
    "http://refused.test/",
    `http://u@allowed.test:${s.plainPort}/`,
    "https://allowed.test/",
    "ftp://allowed.test/",
    `http://allowed.test:${s.plainPort}`,
    mutate(r, `http://allowed.test:${s.plainPort}/x`),
  ]);
  const b = body(r);
  const headers = [
    `Host: allowed.test:${s.plainPort}`,
    ...(r.chance(0.8) ? [`Proxy-Authorization: ${s.proxyAuth}`] : []),
    ...b.headers,
  ];
  return head(r.pick(["GET", "POST", "PUT"]), url, headers) + b.bytes;
}

function split(r: Rng, bytes: Uint8Array): Uint8Array[] {
  if (bytes.length < 2 || r.chance(0.6)) return [bytes];
  const cuts = new Set<number>();
  const n = 1 + r.int(4);
  for (let i = 0; i < n; i++) cuts.add(1 + r.int(bytes.length - 1));
  const sorted = [...cuts].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const c of sorted) {
    out.push(bytes.subarray(from, c));
    from = c;
  }
  out.push(bytes.subarray(from));
  return out;
}

function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (ch) => ch.charCodeAt(0) & 0xff);
}

/**
 * Generates one case.
 *
 * @param r The generator.
 * @param s Session values.
 * @returns The case.
 */
export function generateCase(r: Rng, s: Session): FuzzCase {
  let family: string;
  let text: string;
  const k = r.int(100);
  if (k < 40) {
    family = "route";
    text = routeRequest(r, s);
    if (r.chance(0.2)) text += routeRequest(r, s); // pipelined
    if (r.chance(0.2)) text = mutate(r, text);
  } else if (k < 65) {
    family = "connect";
    text = connectRequest(r, s);
  } else if (k < 85) {
    family = "forward";
    text = forwardRequest(r, s);
    if (r.chance(0.2)) text = mutate(r, text);
  } else if (k < 92) {
    family = "version";
    text = head(
      r.pick(METHODS),
      r.pick(PATHS),
      ["Host: x"],
      r.pick(["HTTP/1.0", "HTTP/2.0", "HTTP/1.1 ", "HTTP/9", "http/1.1", ""]),
    );
  } else if (k < 97) {
    family = "garbage";
    text = Array.from({ length: 1 + r.int(300) }, () => String.fromCharCode(r.int(256))).join("");
  } else {
    family = "huge-head";
    text = head("GET", "/echo/x", ["Host: x", `X-Big: ${"a".repeat(40_000)}`]);
  }
  return { family, pieces: split(r, latin1(text)), halfClose: r.chance(0.2) };
}
