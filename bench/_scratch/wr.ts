const dir = "/var/tmp/wrtest";
const sizes: number[] = [];
let seed = 1; const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
for (let i = 0; i < 20000; i++) sizes.push(Math.min(Math.round(4096 * Math.exp(1.6 * (Math.sqrt(-2 * Math.log(rnd() || 1e-9)) * Math.cos(2 * Math.PI * rnd())))), 8 << 20));
const buf = new Uint8Array(8 << 20);
for (const mode of ["open+write", "writeFileSync", "open+write+rename"]) {
  await new Deno.Command("sh", { args: ["-c", `rm -rf ${dir} && mkdir -p ${dir} && sync`] }).output();
  for (let d = 0; d < 100; d++) Deno.mkdirSync(`${dir}/d${d}`);
  const t = performance.now();
  for (let i = 0; i < sizes.length; i++) {
    const p = `${dir}/d${i % 100}/f${i}`;
    if (mode === "writeFileSync") { Deno.writeFileSync(p, buf.subarray(0, sizes[i])); continue; }
    const f = Deno.openSync(mode === "open+write" ? p : p + ".tmp", { write: true, createNew: true, mode: 0o644 });
    let o = 0; const data = buf.subarray(0, sizes[i]); while (o < data.length) o += f.writeSync(data.subarray(o));
    f.close();
    if (mode !== "open+write") Deno.renameSync(p + ".tmp", p);
  }
  console.log(mode, (performance.now() - t).toFixed(0), "ms");
}
