#!/usr/bin/env bash
# (Re)builds the AOT cache (JEP 483) of an installed tree: the classes a typical command loads, parsed and linked
# ahead of time, which roughly halves the start-up of every host tool. The cache is tied to the exact module jars
# and their path, so it is rebuilt wherever the tree is built or installed.
# Usage: train-aot.sh TREE
set -euo pipefail
[ $# -eq 1 ] && [ -x "$1/bin/kata-runtime" ] || { echo "usage: train-aot.sh TREE (a built tree with bin/kata-runtime)" >&2; exit 2; }
lib="$1/lib/kata-java"
rm -f "$lib/kata.aot"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
KATA_JAVA_OPTS="-XX:AOTCacheOutput=$lib/kata.aot" "$1/bin/kata-runtime" env --json >/dev/null 2>"$log" \
  || { echo "train-aot.sh: the training run failed:" >&2; cat "$log" >&2; exit 1; }
