#!/usr/bin/env bash
# Copies the default configuration files, pointing their @PREFIX@ paths at the install prefix.
# Usage: install-config.sh SRC_DIR DEST_DIR PREFIX
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: install-config.sh SRC_DIR DEST_DIR PREFIX" >&2; exit 2; }
mkdir -p "$2"
for f in "$1"/*.toml; do
  sed "s#@PREFIX@#$3#g" "$f" > "$2/$(basename "$f")"
done
