const dir = "/var/tmp/partest";
const buf = new Uint8Array(15000);
async function prep() {
  await new Deno.Command("sh", { args: ["-c", `rm -rf ${dir} && mkdir -p ${dir} && sync`] }).output();
  for (let d = 0; d < 100; d++) Deno.mkdirSync(`${dir}/d${d}`);
}
for (const par of [1, 8, 0]) {
  await prep();
  const t = performance.now();
  if (par === 0) {
    for (let i = 0; i < 20000; i++) { const f = Deno.openSync(`${dir}/d${i % 100}/f${i}`, { write: true, createNew: true }); f.writeSync(buf); f.close(); }
  } else {
    const inflight = new Set<Promise<void>>();
    for (let i = 0; i < 20000; i++) {
      const p: Promise<void> = (async () => { const f = await Deno.open(`${dir}/d${i % 100}/f${i}`, { write: true, createNew: true }); await f.write(buf); f.close(); })().finally(() => inflight.delete(p));
      inflight.add(p);
      if (inflight.size >= par) await Promise.race(inflight);
    }
    await Promise.all(inflight);
  }
  console.log(par === 0 ? "sync" : `async x${par}`, (performance.now() - t).toFixed(0), "ms");
}
await Deno.remove(dir, { recursive: true });
