#!/bin/sh
# Dev Container Feature installer for airlock. Runs as root while the image is built;
# the feature's options arrive as VERSION, INSTALLDIR and DOWNLOADBASE. The download and
# its verification are airlock's own installer (airlock-install.sh, a byte-for-byte copy
# of the repository's install.sh: checksum against SHA256SUMS, nothing installed on a
# mismatch, atomic rename).
set -eu
cd "$(dirname "$0")"

say() { printf 'airlock feature: %s\n' "$*" >&2; }

# bubblewrap makes airlock's namespaces; curl and CA certificates fetch the release.
if command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends bubblewrap curl ca-certificates >/dev/null
  rm -rf /var/lib/apt/lists/*
elif command -v apk >/dev/null 2>&1; then
  apk add --no-cache bubblewrap curl ca-certificates >/dev/null
elif command -v dnf >/dev/null 2>&1; then
  dnf install -y -q bubblewrap curl ca-certificates
else
  say "no apt-get, apk or dnf: install bubblewrap, curl and CA certificates yourself"
fi

if [ -n "${DOWNLOADBASE:-}" ]; then
  AIRLOCK_DOWNLOAD_BASE="$DOWNLOADBASE"
  export AIRLOCK_DOWNLOAD_BASE
fi
set -- --prefix "${INSTALLDIR:-/usr/local/bin}"
if [ -n "${VERSION:-}" ] && [ "${VERSION}" != latest ]; then
  set -- "$@" --version "$VERSION"
fi
sh ./airlock-install.sh "$@"
