// Shared output for the client scripts: one JSON object per line on stdout.
export function emit(event, fields = {}) {
  process.stdout.write(
    JSON.stringify({ event, t: performance.now(), ...fields }) + "\n",
  );
}

export function emitEnv() {
  emit("env", { env: process.env });
}

export async function run(main) {
  try {
    emitEnv();
    await main();
    emit("done");
  } catch (err) {
    emit("error", {
      status: err?.status ?? null,
      message: String(err?.message ?? err),
    });
    process.exitCode = 1;
  }
}
