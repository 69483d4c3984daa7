/**
 * Benchmark: one keyring lookup through airlock's libsecret FFI binding against
 * `secret-tool lookup` (the CLI a user would otherwise script), both against the same
 * item in the same Secret Service, N iterations each in one invocation. Prints the median
 * and 90th percentile of each and the ratio of medians.
 *
 * Run inside a keyring session:
 *   bash scripts/keyring_session.sh deno run -A bench/keystore_bench.ts [N]
 *
 * @module
 */

import { SecretServiceKeystore } from "../src/keystore/linux/secret_service.ts";
import { SecretBytes } from "../src/credentials/secret_bytes.ts";

const iterations = Number(Deno.args[0] ?? 200);
if (!Number.isInteger(iterations) || iterations < 1) {
  console.error(`keystore_bench: N must be a positive integer: current value is "${Deno.args[0]}"`);
  Deno.exit(2);
}
if (Deno.build.os !== "linux") {
  console.error("keystore_bench: the Secret Service benchmark runs on Linux only");
  Deno.exit(2);
}

const account = `bench-${crypto.randomUUID().slice(0, 8)}`;
const value = new TextEncoder().encode(`sk-bench-${crypto.randomUUID()}`);
const keystore = new SecretServiceKeystore();
keystore.set(account, SecretBytes.copyOf(value));

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function measure(label: string, once: () => void): number {
  for (let i = 0; i < Math.min(10, iterations); i++) once(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    once();
    samples.push(performance.now() - start);
  }
  const median = percentile(samples, 0.5);
  console.log(
    `${label.padEnd(32)} median ${median.toFixed(3).padStart(8)} ms   p90 ${
      percentile(samples, 0.9).toFixed(3).padStart(8)
    } ms   (n=${iterations})`,
  );
  return median;
}

try {
  const ffi = measure("airlock FFI get()", () => {
    const secret = keystore.get(account);
    if (secret === null || secret.length !== value.length) throw new Error("lookup failed");
    secret.wipe();
  });
  const lookup = new Deno.Command("secret-tool", {
    args: ["lookup", "service", "airlock", "account", account],
    stdout: "piped",
    stderr: "inherit",
  });
  const cli = measure("secret-tool lookup (process)", () => {
    const out = lookup.outputSync();
    if (out.code !== 0 || out.stdout.length !== value.length) throw new Error("secret-tool failed");
    out.stdout.fill(0);
  });
  console.log(`ratio (secret-tool / FFI, medians): ${(cli / ffi).toFixed(1)}x`);
} finally {
  keystore.remove(account);
  value.fill(0);
}
