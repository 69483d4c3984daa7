#!/usr/bin/env bash
# Packs dist/airlock-TARGET binaries into airlock-VERSION-TARGET.tar.gz and writes
# dist/SHA256SUMS (scripts/build.ts archive).
set -euo pipefail
cd "$(dirname "$0")/../.."
tag="${1:?usage: pack.sh vX.Y.Z}"
deno run -A scripts/build.ts archive "${tag#v}" dist
cat dist/SHA256SUMS
