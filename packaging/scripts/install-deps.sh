#!/usr/bin/env bash
# Installs the Debian packages that building and testing need, only those missing (apt-get update first, once).
# Usage: install-deps.sh [--print]   (--print lists the packages and exits)
set -euo pipefail
packages=(
  maven gcc make libc6-dev linux-libc-dev  # build; gcc checks the FFM struct layouts against the kernel headers
  golang-go golang-github-containerd-ttrpc-dev  # containerd's Go ttrpc: the real peer of the ttrpc interop tests
  qemu-system-x86 qemu-system-common  # the QEMU driver; qemu-system-common ships virtiofsd
  busybox-static crun  # guest userland (the initrd copies them), and the tiny guests of the driver tests
  containerd runc  # the image test imports our busybox image into a real containerd and runs it
  containernetworking-plugins iproute2 util-linux socat  # CNI bridge pods (CRI, pod network tests): ip/tc, nsenter, the bridge side
  prometheus  # the kata-monitor test: a real Prometheus scrapes it, promtool checks the exposition text
  golang-github-containers-common  # /usr/share/containers/seccomp.json: Podman's default seccomp profile in the runc CLI test
  docker.io podman conmon  # the Docker and Podman end-to-end tests and docker-run.sh: real clients driving kata-runtime
  linux-source-6.1 build-essential bc bison flex libelf-dev libssl-dev xz-utils cpio  # the guest kernel
)
if [ "${1:-}" = "--print" ]; then printf '%s\n' "${packages[@]}"; exit 0; fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "error: missing packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo ">> installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
