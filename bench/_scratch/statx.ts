const lib = Deno.dlopen("libc.so.6", {
  statx: { parameters: ["i32", "buffer", "i32", "u32", "buffer"], result: "i32" },
});
const root = Deno.args[0]!;
function walk(dir: string, out: string[]) {
  for (const e of Deno.readDirSync(dir)) { const p = `${dir}/${e.name}`; if (e.isDirectory) walk(p, out); else out.push(p); }
}
const files: string[] = []; walk(root, files);
const enc = new TextEncoder();
const pathBuf = new Uint8Array(4097);
const out = new Uint8Array(256);
const dv = new DataView(out.buffer);
const AT_SYMLINK_NOFOLLOW = 0x100, AT_FDCWD = -100;
for (let r = 0; r < 3; r++) {
let t = performance.now();
let sum = 0n;
for (const f of files) {
  const { written } = enc.encodeInto(f, pathBuf); pathBuf[written!] = 0;
  const rc = lib.symbols.statx(AT_FDCWD, pathBuf, AT_SYMLINK_NOFOLLOW, 0xfff, out);
  if (rc !== 0) throw new Error("statx");
  sum += dv.getBigUint64(40, true); // size
  const ctimeSec = dv.getBigInt64(128, true), ctimeNs = dv.getUint32(136, true);
}
console.log("ffi statx", (performance.now() - t).toFixed(1), "ms", sum);
t = performance.now();
for (const f of files) Deno.lstatSync(f);
console.log("Deno.lstatSync", (performance.now() - t).toFixed(1), "ms");
}
const { written } = enc.encodeInto(files[0]!, pathBuf); pathBuf[written!] = 0;
lib.symbols.statx(AT_FDCWD, pathBuf, AT_SYMLINK_NOFOLLOW, 0xfff, out);
console.log("ctime", dv.getBigInt64(128, true), dv.getUint32(136, true), "mtime", dv.getBigInt64(144,true), dv.getUint32(152,true));
