#!/usr/bin/env bash
# Makes DIST/share/defaults/kata-containers/configuration.toml a link to the configuration that
# `kata-runtime check` chooses for this host, as Kata's packages link configuration.toml to
# configuration-<hypervisor>.toml: the built-in VMM where hardware virtualization works, QEMU
# (with KVM where usable, else TCG) elsewhere. Run it again after moving the tree to another host.
# Usage: select-default-config.sh DIST
set -euo pipefail
[ $# -eq 1 ] && [ -x "$1/bin/kata-runtime" ] || { echo "usage: select-default-config.sh DIST (a built tree)" >&2; exit 2; }
dir=$1/share/defaults/kata-containers
# check exits non-zero on hosts that cannot run KVM guests, yet still names the configuration that works there.
choice=$("$1/bin/kata-runtime" check --json 2>/dev/null \
  | sed -n 's/.*"configuration" *: *"\(configuration-[a-z]*\.toml\)".*/\1/p' | head -n 1) || true
if [ -z "$choice" ] || [ ! -f "$dir/$choice" ]; then
  echo ">> kata-runtime check named no configuration; the default stays QEMU" >&2
  choice=configuration-qemu.toml
fi
ln -sfn "$choice" "$dir/configuration.toml"
echo ">> default configuration: $choice (kata-runtime check's choice for this host)"
