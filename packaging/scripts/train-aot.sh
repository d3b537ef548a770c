#!/usr/bin/env bash
# (Re)builds the AOT caches (JEP 483) of an installed tree: the classes a typical command loads, parsed and linked
# ahead of time, which roughly halves the start-up of every host tool. kata.aot is trained by `kata-runtime env`,
# kata-shim.aot by a shim daemon serving one ttrpc session (containerd runs the shim binary at least three times per
# container). A cache is tied to the exact module jars and their path, so it is rebuilt wherever the tree is built
# or installed.
# Usage: train-aot.sh TREE
set -euo pipefail
[ $# -eq 1 ] && [ -x "$1/bin/kata-runtime" ] || { echo "usage: train-aot.sh TREE (a built tree with bin/kata-runtime)" >&2; exit 2; }
lib="$1/lib/kata-java"
rm -f "$lib/kata.aot" "$lib/kata-shim.aot"
work=$(mktemp -d)
daemon=
trap '[ -n "$daemon" ] && kill "$daemon" 2>/dev/null; rm -rf "$work"' EXIT
KATA_JAVA_OPTS="-XX:AOTCacheOutput=$lib/kata.aot" "$1/bin/kata-runtime" env --json >/dev/null 2>"$work/log" \
  || { echo "train-aot.sh: the training run failed:" >&2; cat "$work/log" >&2; exit 1; }

# The shim daemon listens under /run/containerd/s (containerd's fixed socket directory): root only.
if [ "$(id -u)" != 0 ]; then
  echo "train-aot.sh: not root: no AOT cache for containerd-shim-kata-v2 (it starts slower)" >&2
  exit 0
fi
shim="$1/bin/containerd-shim-kata-v2"
echo '{"ociVersion": "1.0.2", "annotations": {}}' >"$work/config.json"
flags=(-namespace kata-aot-training -address "$work/containerd.sock" -id "train-$$")
(cd "$work" && KATA_JAVA_OPTS="-XX:AOTCacheOutput=$lib/kata-shim.aot" exec "$shim" "${flags[@]}" \
  >"$work/daemon.out" 2>"$work/daemon.log") &
daemon=$!
for _ in $(seq 600); do grep -q ready "$work/daemon.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$work/daemon.out" || { echo "train-aot.sh: the shim daemon did not start:" >&2; cat "$work/daemon.log" >&2; exit 1; }
# What containerd's cleanup does: delete the task (the daemon has none) and shut it down.
"$shim" "${flags[@]}" -bundle "$work" delete >/dev/null 2>>"$work/daemon.log" \
  || { echo "train-aot.sh: the shim's delete failed:" >&2; cat "$work/daemon.log" >&2; exit 1; }
wait "$daemon" || { echo "train-aot.sh: the shim daemon failed:" >&2; cat "$work/daemon.log" >&2; exit 1; }
daemon=
