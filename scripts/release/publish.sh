#!/usr/bin/env bash
# Creates the GitHub release for the tag with the archives, SHA256SUMS, install.sh and the
# Homebrew formula (GH_TOKEN from the workflow).
set -euo pipefail
cd "$(dirname "$0")/../.."
tag="${1:?usage: publish.sh vX.Y.Z}"
gh release create "$tag" --verify-tag --title "airlock ${tag#v}" --generate-notes \
  dist/airlock-*.tar.gz dist/SHA256SUMS dist/airlock.rb install.sh
