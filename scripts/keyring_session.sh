#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with a gnome-keyring-daemon (Secret Service),
# so keystore tests use a real keyring and never touch the user's own session. The bus has
# no service activation (nothing is auto-started with the user's real HOME), and the keyring
# lives in a temporary directory removed afterwards. Sets AIRLOCK_TEST_KEYRING=1 and
# AIRLOCK_KEYRING_MODE for the command.
#   usage: scripts/keyring_session.sh COMMAND [ARGS...]
#   AIRLOCK_KEYRING_MODE=unlocked (default): the login collection is unlocked
#   AIRLOCK_KEYRING_MODE=locked: one item (service airlock, account seeded) is stored, then
#     the login collection is locked
#   AIRLOCK_KEYRING_MODE=empty: a Secret Service with no keyring (no default collection)
#   AIRLOCK_KEYRING_MODE=none: a session bus with no Secret Service provider on it
# Sessions nest: each call starts its own bus.
set -euo pipefail
mode="${AIRLOCK_KEYRING_MODE:-unlocked}"
case "$mode" in unlocked | locked | empty | none) ;; *)
  echo "keyring_session.sh: AIRLOCK_KEYRING_MODE must be unlocked, locked, empty or none: current value is \"$mode\"" >&2
  exit 2
  ;;
esac

if [ "${1:-}" != "--inner" ]; then
  keyring_home="$(mktemp -d)"
  trap 'rm -rf "$keyring_home"' EXIT
  mkdir -p "$keyring_home/bus"
  cat >"$keyring_home/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=$keyring_home/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
CONF
  # dbus-daemon warns that it cannot raise its fd limit when not privileged: drop that line
  # from stderr (stdout goes straight through on fd 3).
  set +e
  {
    AIRLOCK_KEYRING_HOME="$keyring_home" dbus-run-session --config-file="$keyring_home/bus.conf" \
      -- bash "$0" --inner "$@" 2>&1 1>&3 3>&- |
      grep --line-buffered -v 'Failed to set fd limit' >&2 3>&-
  } 3>&1
  status=${PIPESTATUS[0]}
  set -e
  exit "$status"
fi
shift

keyring_home="$AIRLOCK_KEYRING_HOME"
unset AIRLOCK_KEYRING_HOME
mkdir -p "$keyring_home/run" "$keyring_home/data" && chmod 700 "$keyring_home/run"

daemon_env=(HOME="$keyring_home" XDG_RUNTIME_DIR="$keyring_home/run" XDG_DATA_HOME="$keyring_home/data")

# Waits until the daemon owns the Secret Service name (it claims it after forking).
wait_for_secret_service() {
  for _ in $(seq 1 200); do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null |
      grep -q 'boolean true'; then
      return 0
    fi
    sleep 0.05
  done
  echo "keyring_session.sh: gnome-keyring-daemon did not register org.freedesktop.secrets" >&2
  return 1
}

if [ "$mode" = empty ]; then
  # Without --unlock the daemon creates no login keyring.
  env "${daemon_env[@]}" gnome-keyring-daemon --start --components=secrets >/dev/null 2>&1
  wait_for_secret_service
elif [ "$mode" != none ]; then
  # The password only protects the throwaway test keyring.
  printf '%s' "airlock-test-keyring" |
    env "${daemon_env[@]}" gnome-keyring-daemon --unlock --components=secrets >/dev/null
  wait_for_secret_service
fi
if [ "$mode" = locked ]; then
  printf '%s' "seeded-value" | secret-tool store --label="airlock: seeded" service airlock account seeded
  dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
    org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login \
    >/dev/null
fi

export AIRLOCK_TEST_KEYRING=1 AIRLOCK_KEYRING_MODE="$mode"
"$@"
