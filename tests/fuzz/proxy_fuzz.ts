/**
 * A bounded, seeded fuzzer for the proxy over raw TCP: every way in (base-URL routes,
 * CONNECT and the retry after a 407, plain HTTP proxying) with mutated request lines,
 * header names and values (CR, LF, NUL, obs-fold), Content-Length/Transfer-Encoding
 * combinations, chunk sizes, pipelining, half-closes, garbage after CONNECT and random
 * bytes (`_cases.ts`). The proxy runs as its own process (`_proxy.ts`) with a real key,
 * in front of echoing upstreams that check the key and echo everything else back.
 *
 * After each batch: the proxy answers a control request; no byte of the real key (nor
 * its base64 or URL-encoded forms) appeared in any response, in the audit log or in the
 * proxy's output; its RSS stayed under the bound; every case was answered or closed
 * within its timeout.
 *
 * Usage: deno run -A tests/fuzz/proxy_fuzz.ts [--cases N] [--seed S] [--concurrency C]
 * (`deno task fuzz` runs 100,000; `tests/fuzz/proxy_fuzz_test.ts` runs 20,000 in CI).
 * Prints the seed first, so a failing run can be repeated.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { createTestCa } from "../proxy/_support/test_ca.ts";
import { type FuzzCase, generateCase, Rng, type Session } from "./_cases.ts";

/** Options of {@linkcode runFuzz}. */
export interface FuzzOptions {
  /** Number of cases. */
  cases: number;
  /** The seed (printed; default: random). */
  seed?: number;
  /** Cases in flight at once (default 64). */
  concurrency?: number;
  /** Cases per batch, between the invariant checks (default 1000). */
  batch?: number;
  /** Milliseconds a case may take before it counts as a hang (default 4000). */
  caseTimeoutMs?: number;
  /** Largest resident memory of the proxy, in MB (default 400). */
  maxRssMb?: number;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
  /**
   * Self-test: the echoing upstream also echoes a slice of the key (which scrubbing of
   * whole forms cannot recognise), as a leaking proxy would make it appear; the run must
   * then report violations.
   */
  leakyUpstream?: boolean;
}

/** What a run found. */
export interface FuzzResult {
  seed: number;
  cases: number;
  seconds: number;
  casesPerSecond: number;
  /** The proxy's peak resident memory (VmHWM), MB. */
  peakRssMb: number;
  /** Cases per family. */
  families: Record<string, number>;
  /** Responses by status line class (`2xx`, `4xx`, `closed`…). */
  outcomes: Record<string, number>;
  /** Invariant violations (empty when the run passed). */
  violations: string[];
}

const dec = new TextDecoder("latin1");

function keyForms(key: string): string[] {
  return [key, btoa(key), encodeURIComponent(key), key.slice(8, 40)];
}

function leak(text: string, forms: string[]): string | undefined {
  return forms.find((f) => text.includes(f));
}

function startEcho(certPem: string, keyPem: string, key: string, leaky: boolean) {
  const tls = Deno.serve(
    { hostname: "127.0.0.1", port: 0, cert: certPem, key: keyPem, onListen: () => {} },
    async (req) => {
      const headers = Object.fromEntries(req.headers);
      // The upstream holds the key: it checks it and echoes everything, the key too (the
      // proxy's scrubbing must replace it). The leaky one also echoes a slice of the key,
      // which no scrubbing of whole forms can recognise (as a proxy that leaked would).
      const ok = headers["x-real-key"] === key;
      if (ok && leaky) headers["x-leak"] = key.slice(8, 40);
      const body = req.body ? await req.text().catch(() => "") : "";
      return Response.json({
        ok,
        method: req.method,
        url: req.url,
        headers,
        body: body.slice(0, 200),
      });
    },
  );
  const plain = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const body = req.body ? await req.text().catch(() => "") : "";
    return Response.json({
      url: req.url,
      headers: Object.fromEntries(req.headers),
      body: body.slice(0, 200),
    });
  });
  return { tls, plain };
}

async function runCase(
  port: number,
  c: FuzzCase,
  timeoutMs: number,
): Promise<{ text: string; hung: boolean }> {
  let conn: Deno.TcpConn;
  try {
    conn = await Deno.connect({ hostname: "127.0.0.1", port });
  } catch {
    return { text: "", hung: false }; // refused: counted as closed
  }
  let done = false;
  let gotAny = false;
  let closed = false;
  let text = "";
  let quiet: ReturnType<typeof setTimeout> | undefined;
  const finish = () => {
    if (done) return;
    done = true;
    clearTimeout(quiet);
    try {
      conn.close();
    } catch { /* closed */ }
  };
  const deadline = setTimeout(finish, timeoutMs);
  const reading = (async () => {
    const buf = new Uint8Array(16 * 1024);
    try {
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) {
          closed = true;
          break;
        }
        gotAny = true;
        if (text.length < 256 * 1024) text += dec.decode(buf.subarray(0, n));
        clearTimeout(quiet);
        quiet = setTimeout(finish, 40);
      }
    } catch {
      closed = closed || !done;
    }
  })();
  try {
    for (const piece of c.pieces) {
      let off = 0;
      while (off < piece.length) off += await conn.write(piece.subarray(off));
    }
    if (c.halfClose) await conn.closeWrite();
  } catch {
    // the proxy closed first: fine
  }
  await reading;
  clearTimeout(deadline);
  finish();
  return { text, hung: !gotAny && !closed };
}

function rssMb(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

/**
 * Runs the fuzzer.
 *
 * @param options Case count, seed and bounds.
 * @returns What it found.
 */
export async function runFuzz(options: FuzzOptions): Promise<FuzzResult> {
  const seed = options.seed ?? crypto.getRandomValues(new Uint32Array(1))[0]!;
  const log = options.log ?? ((line: string) => console.error(line));
  log(`proxy_fuzz: seed ${seed}, ${options.cases} cases`);
  const concurrency = options.concurrency ?? 64;
  const batch = options.batch ?? 1000;
  const caseTimeoutMs = options.caseTimeoutMs ?? 4000;
  const maxRssMb = options.maxRssMb ?? 400;
  const violations: string[] = [];
  const families: Record<string, number> = {};
  const outcomes: Record<string, number> = {};

  const ca = await createTestCa();
  const key = `sk-fuzz-REAL-${crypto.randomUUID()}+/=`;
  const forms = keyForms(key);
  const echo = startEcho(ca.certPem, ca.keyPem, key, options.leakyUpstream ?? false);
  const state = await Deno.makeTempDir({ prefix: "airlock-fuzz-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./_proxy.ts", import.meta.url).pathname,
      state,
      ca.caFile,
      String(echo.tls.addr.port),
      String(echo.plain.addr.port),
    ],
    env: { FUZZ_KEY: key },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const stderrDone = (async () => {
    for await (const chunk of child.stderr) stderr += dec.decode(chunk);
  })();
  const reader = child.stdout.getReader();
  let line = "";
  while (!line.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the fuzzed proxy did not start: ${stderr}`);
    line += dec.decode(value);
  }
  const info = JSON.parse(line) as { port: number; env: Record<string, string>; auditPath: string };
  const proxyUrl = new URL(info.env.HTTPS_PROXY!);
  const session: Session = {
    token: info.env.ECHO_TOKEN!,
    proxyAuth: `Basic ${btoa(`${proxyUrl.username}:${decodeURIComponent(proxyUrl.password)}`)}`,
    tlsPort: echo.tls.addr.port,
    plainPort: echo.plain.addr.port,
  };
  const rng = new Rng(seed);
  const started = performance.now();
  let auditOffset = 0;
  let next = 0;

  const control = async (): Promise<string | undefined> => {
    try {
      const res = await fetch(`http://127.0.0.1:${info.port}/echo/v1/control`, {
        headers: { authorization: `Bearer ${session.token}` },
        signal: AbortSignal.timeout(5000),
      });
      const text = await res.text();
      if (res.status !== 200) return `control request answered ${res.status}`;
      const body = JSON.parse(text);
      if (!body.ok || !String(body.url).endsWith("/base/v1/control")) {
        return `control request reached the upstream wrongly: ${text.slice(0, 200)}`;
      }
      if (leak(text, forms)) return "control response holds the key";
    } catch (err) {
      return `control request failed: ${(err as Error).name}`;
    }
    return undefined;
  };

  try {
    for (let done = 0; done < options.cases && violations.length < 20;) {
      const size = Math.min(batch, options.cases - done);
      const cases = Array.from({ length: size }, () => generateCase(rng, session));
      let index = 0;
      const worker = async () => {
        while (index < cases.length) {
          const i = index++;
          const c = cases[i]!;
          const number = next + i;
          families[c.family] = (families[c.family] ?? 0) + 1;
          const { text, hung } = await runCase(info.port, c, caseTimeoutMs);
          const status = /^HTTP\/1\.[01] (\d)\d\d/.exec(text)?.[1];
          const outcome = status ? `${status}xx` : text.length > 0 ? "other" : "closed";
          outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
          if (hung) {
            violations.push(
              `case ${number} (${c.family}): neither answered nor closed in ${caseTimeoutMs} ms`,
            );
          }
          const found = leak(text, forms);
          if (found) {
            violations.push(
              `case ${number} (${c.family}): the response holds the key (${
                found === key ? "raw" : "encoded"
              })`,
            );
          }
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      next += size;
      done += size;
      // The invariants after the batch.
      const bad = await control();
      if (bad) violations.push(`after case ${done}: ${bad}`);
      const audit = Deno.readTextFileSync(info.auditPath);
      if (leak(audit.slice(auditOffset), forms)) {
        violations.push(`after case ${done}: the audit log holds the key`);
      }
      auditOffset = audit.length;
      if (leak(stderr, forms)) {
        violations.push(`after case ${done}: the proxy's output holds the key`);
      }
      const rss = rssMb(child.pid, "VmRSS");
      if (rss > maxRssMb) {
        violations.push(`after case ${done}: proxy RSS ${rss.toFixed(0)} MB > ${maxRssMb} MB`);
      }
      const rate = done / ((performance.now() - started) / 1000);
      log(
        `proxy_fuzz: ${done}/${options.cases} cases, ${rate.toFixed(0)}/s, proxy RSS ${
          rss.toFixed(0)
        } MB`,
      );
    }
    const seconds = (performance.now() - started) / 1000;
    const peakRssMb = rssMb(child.pid, "VmHWM");
    const ran = Object.values(families).reduce((a, b) => a + b, 0);
    return {
      seed,
      cases: ran,
      seconds,
      casesPerSecond: ran / seconds,
      peakRssMb,
      families,
      outcomes,
      violations,
    };
  } finally {
    await child.stdin.close().catch(() => {});
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await child.status;
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
    await stderrDone.catch(() => {});
    await echo.tls.shutdown();
    await echo.plain.shutdown();
    await Deno.remove(state, { recursive: true }).catch(() => {});
    await Deno.remove(ca.dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      cases: { type: "string", default: "100000" },
      seed: { type: "string" },
      concurrency: { type: "string", default: "64" },
    },
  });
  const result = await runFuzz({
    cases: Number(values.cases),
    ...(values.seed === undefined ? {} : { seed: Number(values.seed) }),
    concurrency: Number(values.concurrency),
  });
  console.log(JSON.stringify(result, null, 2));
  console.log(
    `proxy_fuzz: seed ${result.seed}: ${result.cases} cases in ${result.seconds.toFixed(1)} s (${
      result.casesPerSecond.toFixed(0)
    }/s), proxy peak RSS ${result.peakRssMb.toFixed(0)} MB, ${result.violations.length} violations`,
  );
  Deno.exit(result.violations.length === 0 ? 0 : 1);
}
