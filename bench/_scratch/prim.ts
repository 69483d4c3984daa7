import { createHash } from "node:crypto";
const root = Deno.args[0]!;
function walk(dir: string, out: string[]) {
  for (const e of Deno.readDirSync(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) walk(p, out); else out.push(p);
  }
}
let t = performance.now();
const files: string[] = [];
walk(root, files);
console.log("walk", (performance.now() - t).toFixed(0), "ms", files.length);
t = performance.now();
const stats = files.map((f) => Deno.lstatSync(f));
console.log("lstatSync", (performance.now() - t).toFixed(0), "ms");
t = performance.now();
await Promise.all(files.map((f) => Deno.lstat(f)));
console.log("lstat async all", (performance.now() - t).toFixed(0), "ms");
console.log("ctime sample", stats[0]!.ctime?.getTime(), stats[1]!.ctime?.getTime(), stats[0]!.mtime?.getTime(), stats[0]!.ino, stats[0]!.dev);
t = performance.now();
let bytes = 0;
for (const f of files) { const d = Deno.readFileSync(f); bytes += d.length; }
console.log("readFileSync", (performance.now() - t).toFixed(0), "ms", bytes);
t = performance.now();
for (const f of files) { const d = Deno.readFileSync(f); createHash("sha256").update(d).digest(); }
console.log("read+node sha256", (performance.now() - t).toFixed(0), "ms");
t = performance.now();
for (const f of files) { const d = Deno.readFileSync(f); await crypto.subtle.digest("SHA-256", d); }
console.log("read+webcrypto sha256 seq", (performance.now() - t).toFixed(0), "ms");
t = performance.now();
const big = new Uint8Array(300e6);
createHash("sha256").update(big).digest();
console.log("node sha256 300MB buffer", (performance.now() - t).toFixed(0), "ms");
t = performance.now();
await crypto.subtle.digest("SHA-256", big);
console.log("webcrypto 300MB", (performance.now() - t).toFixed(0), "ms");
// write pack
t = performance.now();
const pack = Deno.openSync("/tmp/rb/pack", { write: true, create: true, truncate: true });
for (const f of files) { const d = Deno.readFileSync(f); createHash("sha256").update(d).digest(); let o = 0; while (o < d.length) o += pack.writeSync(d.subarray(o)); }
pack.close();
console.log("read+hash+pack write", (performance.now() - t).toFixed(0), "ms");
t = performance.now();
await Deno.mkdir("/tmp/rb/loose", { recursive: true });
let i = 0;
for (const f of files) { const d = Deno.readFileSync(f); const h = createHash("sha256").update(d).digest("hex"); Deno.writeFileSync(`/tmp/rb/loose/${h}`, d); i++; }
console.log("read+hash+loose write", (performance.now() - t).toFixed(0), "ms");
t = performance.now();
for (const f of files) { Deno.copyFileSync(f, "/tmp/rb/cpx"); }
console.log("copyFileSync (to same)", (performance.now() - t).toFixed(0), "ms");
