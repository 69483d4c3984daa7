const dir = "/var/tmp/wrtest";
const buf = new Uint8Array(65536);
for (const mode of ["final names", "temp names, rename later", "temp names, no rename"]) {
  await new Deno.Command("sh", { args: ["-c", `rm -rf ${dir} && mkdir -p ${dir} && sync`] }).output();
  for (let d = 0; d < 100; d++) Deno.mkdirSync(`${dir}/d${d}`);
  const t = performance.now();
  let open = 0;
  const tmps: [string, string][] = [];
  for (let i = 0; i < 20000; i++) {
    const p = `${dir}/d${i % 100}/f${i}`;
    const name = mode === "final names" ? p : `${dir}/d${i % 100}/.${crypto.randomUUID().slice(0, 12)}.airlock-restore.tmp`;
    const t0 = performance.now();
    const f = Deno.openSync(name, { write: true, createNew: true, mode: 0o644 });
    open += performance.now() - t0;
    f.writeSync(buf.subarray(0, 4096));
    f.close();
    if (mode !== "final names") tmps.push([name, p]);
  }
  if (mode === "temp names, rename later") for (const [a, b] of tmps) Deno.renameSync(a, b);
  console.log(mode, (performance.now() - t).toFixed(0), "ms, open", open.toFixed(0));
}
await Deno.remove(dir, { recursive: true });
