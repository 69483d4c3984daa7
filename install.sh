#!/bin/sh
# Installs airlock: downloads the release archive for this machine and SHA256SUMS,
# verifies the archive's checksum, and installs the binary atomically. Nothing is
# installed unless every check passes.
#
#   curl -fsSL https://github.com/airlock/airlock/releases/latest/download/install.sh | sh
#   sh install.sh [--prefix DIR] [--version VERSION] [--uninstall]
#
# Environment (flags win):
#   AIRLOCK_INSTALL_DIR    where the binary goes (default: ~/.local/bin)
#   AIRLOCK_VERSION        the version to install (default: the latest release)
#   AIRLOCK_DOWNLOAD_BASE  the releases URL, for mirrors (default below); files are read
#                          from BASE/download/vVERSION/FILE and BASE/latest/download/FILE
#
# Exit status: 0 installed (or uninstalled), 1 a check failed, 2 bad usage.
set -eu

DEFAULT_BASE="https://github.com/airlock/airlock/releases"

say() { printf 'airlock-install: %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 1
}
usage() {
  sed -n '2,15s/^# \{0,1\}//p' "$0" 2>/dev/null || true
}

prefix="${AIRLOCK_INSTALL_DIR:-}"
version="${AIRLOCK_VERSION:-}"
base="${AIRLOCK_DOWNLOAD_BASE:-$DEFAULT_BASE}"
uninstall=0
while [ "$#" -gt 0 ]; do
  case "$1" in
    --prefix)
      [ "$#" -ge 2 ] || { say "--prefix needs a directory"; exit 2; }
      prefix="$2"
      shift 2
      ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    --version)
      [ "$#" -ge 2 ] || { say "--version needs a version (for example 0.1.0)"; exit 2; }
      version="$2"
      shift 2
      ;;
    --version=*) version="${1#--version=}"; shift ;;
    --uninstall) uninstall=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) say "unknown argument \"$1\" (see --help)"; exit 2 ;;
  esac
done
[ -n "$prefix" ] || prefix="${HOME:?HOME is not set; use --prefix DIR}/.local/bin"
version="${version#v}"
base="${base%/}"

if [ "$uninstall" = 1 ]; then
  if [ -e "$prefix/airlock" ]; then
    rm -f "$prefix/airlock"
    say "removed $prefix/airlock"
  else
    say "nothing to uninstall: $prefix/airlock does not exist"
  fi
  exit 0
fi

case "$version" in
  "" | [0-9]*.[0-9]*.[0-9]*) ;;
  *) say "version \"$version\" is not X.Y.Z"; exit 2 ;;
esac
case "$version" in *[!0-9A-Za-z.+-]*) say "version \"$version\" has characters a version cannot have"; exit 2 ;; esac

# The checksums come from the same place as the archives: refuse a plain-HTTP base unless
# it is this machine (a local mirror or a test).
case "$base" in
  https://*) ;;
  http://127.0.0.1[:/]* | http://localhost[:/]* | http://\[::1\][:/]*) ;;
  *) die "AIRLOCK_DOWNLOAD_BASE must be an https:// URL: got \"$base\"" ;;
esac

# --- platform ---------------------------------------------------------------------------
os="$(uname -s)"
arch="$(uname -m)"
case "$os" in
  Linux) os=linux ;;
  Darwin) os=macos ;;
  *) die "unsupported system \"$os\": airlock is built for Linux and macOS" ;;
esac
case "$arch" in
  x86_64 | amd64) arch=x86_64 ;;
  aarch64 | arm64) arch=aarch64 ;;
  *) die "unsupported architecture \"$arch\": airlock is built for x86_64 and aarch64" ;;
esac
# A shell under Rosetta 2 reports x86_64 on Apple silicon: install the native build.
if [ "$os" = macos ] && [ "$arch" = x86_64 ] &&
  [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || echo 0)" = 1 ]; then
  arch=aarch64
fi
target="$arch-$os"

# --- tools ------------------------------------------------------------------------------
if command -v curl >/dev/null 2>&1; then
  fetch() { curl -fsL --proto-redir '=https' -o "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
  fetch() { wget -q -O "$2" "$1"; }
else
  die "neither curl nor wget is installed: install one of them"
fi
if command -v sha256sum >/dev/null 2>&1; then
  sha256() { sha256sum "$1" | cut -d ' ' -f 1; }
elif command -v shasum >/dev/null 2>&1; then
  sha256() { shasum -a 256 "$1" | cut -d ' ' -f 1; }
else
  die "neither sha256sum nor shasum is installed: cannot verify the download"
fi
command -v tar >/dev/null 2>&1 || die "tar is not installed"

tmp="$(mktemp -d 2>/dev/null || mktemp -d -t airlock-install)"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# --- checksums --------------------------------------------------------------------------
if [ -n "$version" ]; then
  dir_url="$base/download/v$version"
else
  dir_url="$base/latest/download"
fi
fetch "$dir_url/SHA256SUMS" "$tmp/SHA256SUMS" ||
  die "cannot download $dir_url/SHA256SUMS (is the version right? see $base)"
# Every line must be "<64 hex>  <file>"; an HTML error page served with status 200 is not.
if grep -qvE '^[0-9a-f]{64}  [A-Za-z0-9._+-]+$' "$tmp/SHA256SUMS" || [ ! -s "$tmp/SHA256SUMS" ]; then
  die "$dir_url/SHA256SUMS is not a checksum list (an error page?)"
fi
line="$(grep -E "  airlock-[0-9][0-9A-Za-z.+-]*-$target\.tar\.gz\$" "$tmp/SHA256SUMS" | head -n 1 || true)"
[ -n "$line" ] || die "the release has no archive for $target"
expected="${line%%  *}"
archive="${line#*  }"
found="${archive#airlock-}"
found="${found%-"$target".tar.gz}"
if [ -n "$version" ] && [ "$found" != "$version" ]; then
  die "SHA256SUMS of v$version lists $archive, not version $version"
fi
version="$found"

# --- archive ----------------------------------------------------------------------------
fetch "$base/download/v$version/$archive" "$tmp/$archive" ||
  die "cannot download $base/download/v$version/$archive"
actual="$(sha256 "$tmp/$archive")"
if [ "$actual" != "$expected" ]; then
  if head -c 512 "$tmp/$archive" | grep -qiE '<(!doctype|html)'; then
    die "$archive is an HTML page, not the archive (checksum mismatch): nothing installed"
  fi
  die "$archive does not match SHA256SUMS (got $actual): nothing installed"
fi
mkdir "$tmp/x"
tar -xzf "$tmp/$archive" -C "$tmp/x" 2>/dev/null || die "cannot unpack $archive: nothing installed"
binary="$tmp/x/airlock-$version-$target/airlock"
[ -f "$binary" ] || die "$archive holds no airlock-$version-$target/airlock: nothing installed"
chmod 755 "$binary"
reported="$("$binary" --version 2>/dev/null | head -n 1 || true)"
[ "$reported" = "airlock $version" ] ||
  die "the downloaded airlock does not run here (it said \"$reported\"): nothing installed"

# --- install (atomic: a rename in the same directory) -----------------------------------
mkdir -p "$prefix" 2>/dev/null || die "cannot create $prefix"
previous=""
[ -x "$prefix/airlock" ] && previous="$("$prefix/airlock" --version 2>/dev/null | head -n 1 || true)"
staged="$prefix/.airlock.$$.tmp"
cp "$binary" "$staged" 2>/dev/null || { rm -f "$staged"; die "cannot write to $prefix"; }
chmod 755 "$staged"
mv -f "$staged" "$prefix/airlock" 2>/dev/null || {
  rm -f "$staged"
  die "cannot install into $prefix"
}
if [ -n "$previous" ] && [ "$previous" != "airlock $version" ]; then
  say "upgraded $prefix/airlock: ${previous#airlock } -> $version ($target)"
else
  say "installed airlock $version ($target) in $prefix/airlock"
fi

case ":${PATH:-}:" in
  *":$prefix:"*) ;;
  *) say "$prefix is not on PATH: add it, e.g. export PATH=\"$prefix:\$PATH\"" ;;
esac
if [ "$os" = linux ] && ! command -v bwrap >/dev/null 2>&1; then
  say "airlock needs bubblewrap on Linux: install it (apt install bubblewrap, dnf install bubblewrap)"
fi
say "check it with: airlock doctor"
