const lib = Deno.dlopen("libc.so.6", {
  statx: { parameters: ["i32", "buffer", "i32", "u32", "buffer"], result: "i32" },
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
});
const root = Deno.args[0]!;
const enc = new TextEncoder();
const out = new Uint8Array(256);
const nameBuf = new Uint8Array(1024);
for (let r = 0; r < 3; r++) {
  let n = 0;
  const t = performance.now();
  const walk = (dir: string) => {
    const p = enc.encode(dir + "\0");
    const fd = lib.symbols.open(p, 0o200000 | 0o2000000, 0);
    for (const e of Deno.readDirSync(dir)) {
      const { written } = enc.encodeInto(e.name, nameBuf); nameBuf[written] = 0;
      if (lib.symbols.statx(fd, nameBuf, 0x100, 0xfff, out) !== 0) throw new Error("x");
      n++;
      if (e.isDirectory) walk(`${dir}/${e.name}`);
    }
    lib.symbols.close(fd);
  };
  walk(root);
  console.log("readDir + statx(dirfd)", (performance.now() - t).toFixed(0), n);
  const t2 = performance.now();
  const walk2 = (dir: string) => {
    for (const e of Deno.readDirSync(dir)) { Deno.lstatSync(`${dir}/${e.name}`); if (e.isDirectory) walk2(`${dir}/${e.name}`); }
  };
  walk2(root);
  console.log("readDir + lstatSync", (performance.now() - t2).toFixed(0));
}
