/**
 * Bridge benchmark: what the network bridge adds to a request. An HTTP/1.1 server on a
 * UNIX socket stands in for the session proxy; the real bridge process
 * (`src/bridge/inside_main.ts`, as a launch starts it, reaching the socket through an
 * inherited directory descriptor) relays a loopback TCP port to it. The same keep-alive
 * client sends sequential requests straight to the socket and through the bridge,
 * interleaved, in this one invocation.
 *
 * Goal (issue 9): the bridge adds ≤ 0.1 ms p50 per request.
 *
 * Usage: `deno run -A bench/bridge_bench.ts [--requests N] [--json]`
 *
 * @module
 */

import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    requests: { type: "string", default: "3000" },
    json: { type: "boolean", default: false },
  },
});
const requests = Math.max(200, Number(values.requests) || 3000);
const dir = await Deno.makeTempDir({ prefix: "airlock-bridge-bench-" });
await Deno.chmod(dir, 0o700);
const socket = `${dir}/proxy.sock`;
const body = "ok";
const server = Deno.serve({ path: socket, onListen: () => {} }, () => new Response(body));

const port = (() => {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const p = (l.addr as Deno.NetAddr).port;
  l.close();
  return p;
})();
const entry = new URL("../src/bridge/inside_main.ts", import.meta.url).pathname;
const config = JSON.stringify({ fd: 9, forward: [{ port, socket: "proxy.sock" }], reverse: [] });
const bridge = new Deno.Command("bash", {
  args: [
    "-c",
    `exec 9<"$1"; exec "$2" run -A --no-config "$3"`,
    "bash",
    dir,
    Deno.execPath(),
    entry,
  ],
  env: { AIRLOCK_BRIDGE: config },
  stdout: "piped",
  stderr: "inherit",
}).spawn();
const ready = bridge.stdout.pipeThrough(new TextDecoderStream()).getReader();
let text = "";
while (!text.includes("ready")) text += (await ready.read()).value ?? "";

const request = new TextEncoder().encode("GET / HTTP/1.1\r\nhost: bench\r\n\r\n");
const buf = new Uint8Array(4096);

/** One request on a kept-alive connection; resolves when the whole response arrived. */
async function roundTrip(conn: Deno.Conn): Promise<number> {
  const start = performance.now();
  await conn.write(request);
  let got = "";
  while (!got.endsWith(body) || !got.includes("\r\n\r\n")) {
    const n = await conn.read(buf);
    if (n === null) throw new Error("the connection closed");
    got += new TextDecoder().decode(buf.subarray(0, n));
  }
  return performance.now() - start;
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

const direct = await Deno.connect({ transport: "unix", path: socket });
const bridged = await Deno.connect({ hostname: "127.0.0.1", port });
const samples = { direct: [] as number[], bridged: [] as number[] };
try {
  for (let i = 0; i < 100; i++) { // warm up both paths
    await roundTrip(direct);
    await roundTrip(bridged);
  }
  for (let i = 0; i < requests; i++) {
    samples.direct.push(await roundTrip(direct));
    samples.bridged.push(await roundTrip(bridged));
  }
} finally {
  direct.close();
  bridged.close();
  bridge.kill("SIGKILL");
  await ready.cancel();
  await bridge.status;
  await server.shutdown();
  await Deno.remove(dir, { recursive: true });
}

const result = {
  requests,
  direct_p50_ms: percentile(samples.direct, 0.5),
  direct_p99_ms: percentile(samples.direct, 0.99),
  bridged_p50_ms: percentile(samples.bridged, 0.5),
  bridged_p99_ms: percentile(samples.bridged, 0.99),
  added_p50_ms: percentile(samples.bridged, 0.5) - percentile(samples.direct, 0.5),
};
if (values.json) {
  console.log(JSON.stringify(result));
} else {
  console.log(`bridge benchmark, ${requests} sequential keep-alive requests each, interleaved`);
  console.log(
    `  straight to the socket   p50 ${result.direct_p50_ms.toFixed(3)} ms   p99 ${
      result.direct_p99_ms.toFixed(3)
    } ms`,
  );
  console.log(
    `  through the bridge       p50 ${result.bridged_p50_ms.toFixed(3)} ms   p99 ${
      result.bridged_p99_ms.toFixed(3)
    } ms`,
  );
  console.log(
    `the bridge adds ${(result.added_p50_ms * 1000).toFixed(0)} µs p50 (goal ≤ 100 µs: ${
      result.added_p50_ms <= 0.1 ? "met" : "NOT met"
    })`,
  );
}
