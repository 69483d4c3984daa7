#!/usr/bin/env bash
# Makes a GitHub runner able to run the smoke test: on Linux, bubblewrap and unprivileged
# user namespaces (Ubuntu 24.04 restricts them through AppArmor); openssl everywhere (the
# smoke test's fake upstream certificate).
set -euo pipefail
case "$(uname -s)" in
  Linux)
    sudo apt-get update -qq
    sudo apt-get install -y -qq --no-install-recommends bubblewrap openssl
    if [ -e /proc/sys/kernel/apparmor_restrict_unprivileged_userns ]; then
      sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0
    fi
    ;;
  Darwin)
    # /usr/bin/openssl is LibreSSL; the test CA is made with OpenSSL 3's options, which
    # the runner image's Homebrew has.
    if prefix="$(brew --prefix openssl@3 2>/dev/null)" && [ -x "$prefix/bin/openssl" ]; then
      echo "$prefix/bin" >>"${GITHUB_PATH:-/dev/null}"
    fi
    ;;
esac
