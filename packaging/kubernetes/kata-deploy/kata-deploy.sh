#!/usr/bin/env bash
# The node installer (as Kata's kata-deploy): lays the install tree on the node and makes containerd's CRI plugin
# run pods of RuntimeClass "kata" with it, or undoes exactly that. Run by the DaemonSet of kata-deploy.yaml in a
# privileged pod with the node's / at /host; it runs just as well by hand on a node.
#
# Usage: kata-deploy.sh install|uninstall|snippet [options]
#   --host-root DIR          the node's / as this process sees it (default /host; / when run on the node)
#   --prefix DIR             where the tree goes on the node (default /opt/kata)
#   --artifacts DIR          the built tree to install (default: the directory beside this script, artifacts/)
#   --containerd-config F    containerd's configuration on the node (default /etc/containerd/config.toml)
#   --restart-command CMD    restarts containerd after the change (default: the node's systemctl, through
#                            nsenter into PID 1's namespaces; "" does not restart)
# "snippet" prints the block added to containerd's configuration and changes nothing.
set -euo pipefail

action=${1:-}
[ -n "$action" ] && shift || true
here=$(cd "$(dirname "$0")" && pwd)
host_root=/host
prefix=/opt/kata
artifacts=$here/artifacts
[ -d "$artifacts" ] || artifacts=$here/../../../build
containerd_config=/etc/containerd/config.toml
restart_command='nsenter --target 1 --mount --uts --ipc --net --pid -- systemctl restart containerd'
while [ $# -gt 0 ]; do
  case $1 in
    --host-root) host_root=$2; shift 2 ;;
    --prefix) prefix=$2; shift 2 ;;
    --artifacts) artifacts=$2; shift 2 ;;
    --containerd-config) containerd_config=$2; shift 2 ;;
    --restart-command) restart_command=$2; shift 2 ;;
    *) echo "kata-deploy.sh: unknown option $1 (see the usage at the top of this script)" >&2; exit 2 ;;
  esac
done
host_root=${host_root%/}
# In the image, scripts/, config/ and artifacts/ sit beside this script; in the repository, packaging's.
scripts=$here/scripts
[ -d "$scripts" ] || scripts=$here/../../scripts
config_src=$here/config
[ -d "$config_src" ] || config_src=$here/../../config
begin="# BEGIN kata-containers-java (kata-deploy.sh: do not edit this block, uninstall removes it)"
end="# END kata-containers-java"
config_file=$host_root$containerd_config
shim_link=$host_root/usr/local/bin/containerd-shim-kata-v2

# The runtime handler "kata" (packaging/kubernetes/containerd-kata.toml), its ConfigPath at the installed default.
snippet() {
  echo "$begin"
  echo '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata]'
  echo '  runtime_type = "io.containerd.kata.v2"'
  echo '  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata.options]'
  echo "    ConfigPath = \"$prefix/share/defaults/kata-containers/configuration.toml\""
  echo "$end"
}

# containerd's configuration without our block (the whole file when there is none).
without_block() {
  [ -f "$config_file" ] || return 0
  awk -v b="$begin" -v e="$end" '$0 == b {skip = 1; next} $0 == e {skip = 0; next} !skip' "$config_file"
}

write_config() { # the new content on stdin; replaced atomically, the previous file kept once as .kata-java.bak
  mkdir -p "$(dirname "$config_file")"
  local next=$config_file.kata-java.next
  cat > "$next"
  if [ -f "$config_file" ] && [ ! -f "$config_file.kata-java.bak" ]; then
    cp -p "$config_file" "$config_file.kata-java.bak"
  fi
  mv -f "$next" "$config_file"
}

restart_containerd() {
  if [ -n "$restart_command" ]; then
    echo ">> restarting containerd: $restart_command"
    sh -c "$restart_command"
  else
    echo ">> containerd not restarted (--restart-command \"\"): restart it to apply $containerd_config"
  fi
}

install() {
  [ -x "$artifacts/bin/kata-runtime" ] || { echo "kata-deploy.sh: $artifacts is not a built tree (make build)" >&2; exit 1; }
  local current
  current=$(without_block)
  # Without a version line containerd 1.6 reads a file as version 1, whose plugin names differ.
  if [ -n "$(printf '%s' "$current" | tr -d '[:space:]')" ] \
      && ! printf '%s\n' "$current" | grep -Eq '^[[:space:]]*version[[:space:]]*=[[:space:]]*2[[:space:]]*$'; then
    echo "kata-deploy.sh: $config_file is not containerd's configuration version 2 (containerd 1.6): migrate it" \
      "with 'containerd config migrate' first" >&2
    exit 1
  fi
  if printf '%s\n' "$current" | grep -Fq 'containerd.runtimes.kata]'; then
    echo "kata-deploy.sh: $config_file already defines a runtime handler 'kata' outside this installer's block:" \
      "remove it first" >&2
    exit 1
  fi
  echo ">> installing $artifacts into $host_root$prefix"
  mkdir -p "$host_root$prefix"
  cp -a "$artifacts/." "$host_root$prefix/"
  # The configurations name the tree's files where the node sees them.
  "$scripts/install-config.sh" "$config_src" "$host_root$prefix/share/defaults/kata-containers" "$prefix"
  "$scripts/select-default-config.sh" "$host_root$prefix"
  mkdir -p "$(dirname "$shim_link")"
  ln -sfn "$prefix/bin/containerd-shim-kata-v2" "$shim_link"
  {
    if [ -z "$(printf '%s' "$current" | tr -d '[:space:]')" ]; then
      echo "version = 2"
    else
      printf '%s\n' "$current"
    fi
    snippet
  } | write_config
  echo ">> $config_file: runtime handler kata added"
  restart_containerd
}

uninstall() {
  if [ -f "$config_file" ]; then
    without_block | write_config
    echo ">> $config_file: runtime handler kata removed"
  fi
  if [ -L "$shim_link" ] && [ "$(readlink "$shim_link")" = "$prefix/bin/containerd-shim-kata-v2" ]; then
    rm -f "$shim_link"
  fi
  rm -rf "${host_root:?}$prefix"
  echo ">> removed $host_root$prefix"
  restart_containerd
}

case $action in
  install) install ;;
  uninstall) uninstall ;;
  snippet) snippet ;;
  *) echo "usage: kata-deploy.sh install|uninstall|snippet [--host-root DIR] [--prefix DIR] [--artifacts DIR]" \
       "[--containerd-config FILE] [--restart-command CMD]" >&2; exit 2 ;;
esac
