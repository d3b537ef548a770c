#!/usr/bin/env bash
# Installs the built tree (build/) into PREFIX, with the default configurations pointing at PREFIX.
# Usage: install.sh BUILD_DIR PREFIX
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: install.sh BUILD_DIR PREFIX" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
[ -x "$1/bin/kata-runtime" ] || { echo "install.sh: $1 is not a built tree: run 'make build' first" >&2; exit 1; }
mkdir -p "$2"
cp -a "$1/." "$2/"
"$here/install-config.sh" "$(dirname "$here")/config" "$2/share/defaults/kata-containers" "$2"
"$here/select-default-config.sh" "$2"
"$here/train-aot.sh" "$2"
echo ">> installed into $2"
