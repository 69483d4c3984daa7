#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring-daemon
# (Secret Service), so keystore tests use a real keyring and never touch the user's own
# session. The keyring lives in a temporary HOME that is removed afterwards.
#   usage: scripts/keyring_session.sh COMMAND [ARGS...]
set -euo pipefail
if [ -z "${AIRLOCK_IN_KEYRING_SESSION:-}" ]; then
  export AIRLOCK_IN_KEYRING_SESSION=1
  exec dbus-run-session -- bash "$0" "$@"
fi
keyring_home="$(mktemp -d)"
trap 'rm -rf "$keyring_home"' EXIT
mkdir -p "$keyring_home/run" && chmod 700 "$keyring_home/run"
# The password only protects the throwaway test keyring.
printf '%s' "airlock-test-keyring" |
  HOME="$keyring_home" XDG_RUNTIME_DIR="$keyring_home/run" XDG_DATA_HOME="$keyring_home/data" \
    gnome-keyring-daemon --unlock --components=secrets >/dev/null
export AIRLOCK_TEST_KEYRING=1
"$@"
