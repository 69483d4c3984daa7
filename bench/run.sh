#!/usr/bin/env bash
# Runs every benchmark in one go: launch, keystore lookup, proxy. Each prints medians and
# ratios against baselines measured in the same invocation.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== launch"
deno run -A bench/launch_bench.ts "$@"
if [ -f bench/keystore_bench.ts ]; then
  echo "== keystore"
  bash scripts/keyring_session.sh deno run -A bench/keystore_bench.ts
fi
echo "== bridge"
deno run -A bench/bridge_bench.ts
echo "== env filter"
deno run -A bench/env_filter_bench.ts
if [ -f bench/proxy_bench.ts ]; then
  echo "== proxy"
  deno run -A bench/proxy_bench.ts
fi
echo "== scrubbing"
deno run -A bench/scrub_bench.ts
echo "== interception"
deno run -A bench/intercept_bench.ts
if [ -f bench/trust_bench.ts ]; then
  echo "== trust"
  deno run -A bench/trust_bench.ts
fi
if [ -f bench/rollback_bench.ts ]; then
  echo "== rollback"
  deno run -A bench/rollback_bench.ts
fi
