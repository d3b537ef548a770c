#!/usr/bin/env bash
# The quick start's main job: runs a busybox container in its own VM with the built tree and shows that it ran on
# the guest's kernel, not the host's.
# Usage: demo.sh [TREE]   (default: build/ of this repository)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
tree=${1:-$repo/build}
[ -x "$tree/bin/kata-runtime" ] || { echo "demo.sh: no $tree/bin/kata-runtime: run 'make build' first" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$repo/packaging/bundle/make-bundle.sh" "$work/bundle" sh -c \
  'echo "hello from a container in a VM: guest kernel $(uname -r), $(nproc) vCPU, $(free -m | awk "/Mem:/ {print \$2}") MiB"' \
  >/dev/null
echo ">> host kernel $(uname -r); kata-runtime run --bundle <busybox bundle> demo-$$"
time "$tree/bin/kata-runtime" run --bundle "$work/bundle" "demo-$$"
