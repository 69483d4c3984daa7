#!/usr/bin/env bash
# Runs the whole test suite: set-up, then `deno test` (unit, doc and integration tests,
# against the real kernel, a real keyring daemon on a private D-Bus session, real TLS and
# the real SDKs), then prints one plain line `N passed, N failed` for CI.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# A hung test must fail the run, not use up CI's time: the suite takes ~4 minutes here.
limit="${AIRLOCK_TEST_TIMEOUT:-1500}"
timeout --kill-after=30 "$limit" bash scripts/keyring_session.sh deno test -A --parallel --doc --no-check=remote "$@" src/ ffi/ tests/ 2>&1 |
  tee "$log"
status=${PIPESTATUS[0]}
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
  echo "airlock tests: the suite did not finish within ${limit} s (see the 'has been running' lines above)" >&2
fi

# deno test ends with "ok | N passed (M steps) | N failed (…)" or "FAILED | …".
summary="$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^(ok|FAILED) \| [0-9]+ passed' | tail -1)"
passed="$(sed -E 's/.*\| ([0-9]+) passed.*/\1/' <<<"$summary")"
failed="$(sed -E 's/.*\| ([0-9]+) failed.*/\1/' <<<"$summary")"
if [ -z "$summary" ]; then
  passed=0
  failed=1
fi
if [ "$status" -ne 0 ] && [ "${failed:-0}" -eq 0 ]; then failed=1; fi
echo "${passed} passed, ${failed} failed"
exit "$status"
