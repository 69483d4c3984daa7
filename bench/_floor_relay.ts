/**
 * The floor of the proxy's fixed design, as its own process: a bare `Deno.serve` on
 * 127.0.0.1 that relays every request with `fetch` to the upstream at
 * `https://127.0.0.1:443` (TLS verified against `--ca`), putting the real key from
 * `$BENCH_KEY` in `Authorization`. No token check, no audit, no front, no scrubbing: what
 * any proxy built of Deno.serve → fetch costs at least. Writes its port to `--port-file`.
 *
 * Usage: deno run -A bench/_floor_relay.ts --ca FILE --port-file FILE
 *
 * @module
 */

function arg(name: string): string {
  const value = Deno.args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  if (!value) throw new Error(`_floor_relay: --${name}=… is required`);
  return value;
}

const client = Deno.createHttpClient({ caCerts: [Deno.readTextFileSync(arg("ca"))] });
const key = Deno.env.get("BENCH_KEY") ?? "";
const portFile = arg("port-file");
Deno.serve({
  hostname: "127.0.0.1",
  port: 0,
  onListen: ({ port }) => Deno.writeTextFileSync(portFile, String(port)),
}, (req) => {
  const url = new URL(req.url);
  const headers = new Headers(req.headers);
  headers.delete("host");
  headers.set("authorization", `Bearer ${key}`);
  return fetch(`https://127.0.0.1:443${url.pathname}${url.search}`, {
    method: req.method,
    headers,
    body: req.body,
    client,
  });
});
