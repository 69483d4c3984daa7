// scratch tree generator
const root = Deno.args[0]!;
const files = Number(Deno.args[1] ?? 20000);
let seed = 12345;
function rnd() { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed / 4294967296; }
function gauss() { const u = rnd() || 1e-9, v = rnd(); return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v); }
const pool = new Uint8Array(32 << 20);
for (let i = 0; i < pool.length; i += 65536) crypto.getRandomValues(pool.subarray(i, i + 65536));
const dirs: string[] = [""];
let total = 0;
await Deno.mkdir(root, { recursive: true });
for (let i = 0; i < files; i++) {
  if (i % 15 === 0) {
    const parent = dirs[Math.floor(rnd() * dirs.length)]!;
    const d = `${parent}/d${dirs.length}`;
    if (d.split("/").length <= 7) { await Deno.mkdir(root + d); dirs.push(d); }
  }
  const dir = dirs[Math.floor(rnd() * dirs.length)]!;
  let size = Math.round(4096 * Math.exp(1.6 * gauss()));
  size = Math.min(size, 8 << 20);
  const off = Math.floor(rnd() * (pool.length - size));
  const data = pool.slice(off, off + size);
  new DataView(data.buffer).setUint32(0, i);
  await Deno.writeFile(`${root}${dir}/f${i}.txt`, data);
  total += size;
}
console.log(files, "files", dirs.length, "dirs", (total / 1e6).toFixed(1), "MB");
