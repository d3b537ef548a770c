#!/usr/bin/env bash
# Builds what the VM boots into DEST/share/kata-containers: the guest kernel (cached across builds) and the
# initrd with the agent and the root image made from the same tree (kata-containers.img, booted through DAX), plus a
# test-init initrd and image for the guest boot test. With --nested-kernel true (the default)
# also fills the cache with the level-1 kernel of the nested KVM harness (packaging/harness/nested-kvm.sh), which
# only the tests that need KVM boot: `make demo` passes false, so a first run builds one kernel, not two.
# Usage: build-guest.sh --dest DIR --jdk JAVA_HOME [--agent-modules DIR --agent-main MODULE/CLASS] [--test-out DIR]
#        [--nested-kernel true|false]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
guest="$(dirname "$here")/guest"
dest= jdk= agent_modules= agent_main= test_out= nested_kernel=true
while [ $# -gt 0 ]; do
  case "$1" in
    --dest) dest=$2; shift 2 ;;
    --jdk) jdk=$2; shift 2 ;;
    --agent-modules) agent_modules=$2; shift 2 ;;
    --agent-main) agent_main=$2; shift 2 ;;
    --test-out) test_out=$2; shift 2 ;;
    --nested-kernel) nested_kernel=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-guest.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "$dest" ] && [ -n "$jdk" ] || { echo "build-guest.sh: need --dest and --jdk (see --help)" >&2; exit 2; }
out="$dest/share/kata-containers"
mkdir -p "$out"
echo ">> guest kernel"
"$guest/kernel/build-kernel.sh" --out "$out"
case "$nested_kernel" in
  true)
    echo ">> nested KVM harness kernel (cached only; for the tests)"
    "$guest/kernel/build-kernel.sh" --variant nested ;;
  false) echo ">> nested KVM harness kernel: skipped (only the tests need it; make build or make test builds it)" ;;
  *) echo "build-guest.sh: --nested-kernel takes true or false, not $nested_kernel" >&2; exit 2 ;;
esac
echo ">> guest initrd"
if [ -n "$agent_modules" ]; then
  # the initrd and, from the same tree, the DAX root image (kata-containers.img)
  "$guest/initrd/build-initrd.sh" --jdk "$jdk" --out "$out" --agent-modules "$agent_modules" --agent-main "$agent_main" \
    --image
else
  "$guest/initrd/build-initrd.sh" --jdk "$jdk" --out "$out" --test-init
fi
if [ -n "$test_out" ]; then
  echo ">> test-init initrd (guest boot test)"
  "$guest/initrd/build-initrd.sh" --jdk "$jdk" --out "$test_out" --test-init --image
fi
