#!/usr/bin/env bash
# Refuses a release tag that is not v<the version in src/version.ts and deno.json>.
set -euo pipefail
cd "$(dirname "$0")/../.."
tag="${1:?usage: check_version.sh vX.Y.Z}"
code="$(sed -nE 's/^export const VERSION = "([^"]+)";$/\1/p' src/version.ts)"
config="$(sed -nE 's/^  "version": "([^"]+)",$/\1/p' deno.json)"
if [ "$tag" != "v$code" ] || [ "$code" != "$config" ]; then
  echo "release: tag $tag, src/version.ts $code and deno.json $config must agree" >&2
  exit 1
fi
