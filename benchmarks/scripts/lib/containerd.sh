# Sourced after lib/kata-run.sh by the scripts that drive pods through containerd: a private containerd (Debian's
# 1.6: its own root, state and socket under the script's temp dir, CRI plugin off), the busybox image imported into
# it, and a trap that kills and deletes every task in sandbox_ids, stops containerd and then runs kata-run.sh's
# cleanup. Scripts with more to stop define containerd_extra_teardown before calling start_containerd.
# shellcheck shell=bash

require_containerd() {
  command -v containerd >/dev/null && command -v ctr >/dev/null \
    || die "needs containerd and ctr: apt-get install containerd"
}

# start_containerd PATH_PREFIX [VAR=VALUE...]: containerd with PATH_PREFIX before PATH (where it finds the shim) and
# the given extra environment; sets containerd_pid and c (the ctr command line), imports $image.
start_containerd() {
  local path_prefix=$1
  shift
  cat >"$tmp/config.toml" <<TOML
version = 2
root = "$tmp/root"
state = "$tmp/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$tmp/containerd.sock"
TOML
  env PATH="$path_prefix:$PATH" "$@" containerd --config "$tmp/config.toml" >"$tmp/containerd.log" 2>&1 &
  containerd_pid=$!
  c=(ctr --address "$tmp/containerd.sock")
  trap stop_containerd EXIT
  for _ in $(seq 100); do [ -S "$tmp/containerd.sock" ] && break; sleep 0.1; done
  [ -S "$tmp/containerd.sock" ] || { cat "$tmp/containerd.log" >&2; die "containerd did not start"; }
  "$root/packaging/bundle/make-image.sh" "$tmp/busybox.tar" "$image" >/dev/null
  "${c[@]}" image import "$tmp/busybox.tar" >/dev/null
}

stop_containerd() {
  set +e
  local id
  if declare -F containerd_extra_teardown >/dev/null; then containerd_extra_teardown; fi
  for id in "${sandbox_ids[@]}"; do
    "${c[@]}" task kill -s KILL "$id" >/dev/null 2>&1
    "${c[@]}" task delete --force "$id" >/dev/null 2>&1
    "${c[@]}" container delete "$id" >/dev/null 2>&1
  done
  kill "$containerd_pid" 2>/dev/null; wait "$containerd_pid" 2>/dev/null
  cleanup
}
