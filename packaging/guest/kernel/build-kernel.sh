#!/usr/bin/env bash
# Builds the guest kernel from Debian's linux-source-6.1: allnoconfig + our fragment(s), everything built in.
#
# Usage: build-kernel.sh [--out DIR] [--variant guest|nested] [--jobs N] [--cache-dir DIR]
#   --out DIR        install the kernel into DIR:
#                      guest:  vmlinux.container (PVH ELF), vmlinuz.container (bzImage)
#                      nested: vmlinux-nested.container, vmlinuz-nested.container
#   --variant NAME   guest (default): guest.conf; nested: guest.conf + nested.conf, the level-1 kernel of the
#                    nested KVM harness (KVM, KVM_AMD, KVM_INTEL, ACPI, vhost built in)
#   --jobs N         parallel make jobs (default: nproc)
#   --cache-dir DIR  where results and the build trees live (default: $KATA_JAVA_CACHE/kernel,
#                    KATA_JAVA_CACHE defaults to /var/cache/kata-java)
# Results are cached in CACHE/<key>/{vmlinux,bzImage,.config}; the key hashes the fragments, the linux-source
# package version and this script, so a rebuild happens only when one of those changes. Prints the cache path last.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out= variant=guest jobs=$(nproc) cache_dir="${KATA_JAVA_CACHE:-/var/cache/kata-java}/kernel"

die() { echo "build-kernel.sh: $*" >&2; exit 1; }
phase() { echo ">> kernel[$variant]: $*"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --variant) variant=${2:?--variant needs guest or nested}; shift 2 ;;
    --jobs) jobs=${2:?--jobs needs a number}; shift 2 ;;
    --cache-dir) cache_dir=${2:?--cache-dir needs a directory}; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
case "$variant" in
  guest) fragments=("$here/guest.conf"); suffix= ;;
  nested) fragments=("$here/guest.conf" "$here/nested.conf"); suffix=-nested ;;
  *) die "unknown variant '$variant': use guest or nested" ;;
esac
[[ "$jobs" =~ ^[1-9][0-9]*$ ]] || die "--jobs wants a positive number, not '$jobs'"

source_pkg=linux-source-6.1
tarball=/usr/src/$source_pkg.tar.xz
source_version=$(dpkg-query -W -f='${Version}' "$source_pkg" 2>/dev/null) && [ -f "$tarball" ] \
  || die "no $tarball: apt-get install $source_pkg"
missing=()
for tool in make gcc bc bison flex xz perl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
[ -f /usr/include/gelf.h ] || missing+=("libelf headers")
[ -f /usr/include/openssl/opensslv.h ] || missing+=("openssl headers")
[ ${#missing[@]} -eq 0 ] \
  || die "missing ${missing[*]}: apt-get install build-essential bc bison flex libelf-dev libssl-dev"

key=$(cat "${fragments[@]}" "$0" <(echo "$source_pkg $source_version") | sha256sum | cut -c1-16)
result="$cache_dir/$key"

install_result() {
  [ -n "$out" ] || return 0
  mkdir -p "$out"
  install -m 0644 "$result/vmlinux" "$out/vmlinux$suffix.container"
  install -m 0644 "$result/bzImage" "$out/vmlinuz$suffix.container"
  phase "installed $out/vmlinux$suffix.container, $out/vmlinuz$suffix.container"
}

use_cached() {
  [ -f "$result/vmlinux" ] && [ -f "$result/bzImage" ] && [ -f "$result/.config" ] || return 1
  phase "cached ($source_pkg $source_version, key $key)"
  install_result
  echo "$result"
}
use_cached && exit 0

# The source tree is unpacked once per package version and shared by the variants; each variant has its own
# object tree (O=), so a changed fragment or script recompiles only what the config change touches.
src="$cache_dir/src/$source_pkg-$source_version"
obj="$cache_dir/obj/$source_pkg-$source_version-$variant"
mkdir -p "$(dirname "$src")" "$(dirname "$obj")" 2>/dev/null \
  || die "cannot create $cache_dir: run as root or pass --cache-dir DIR"
# One build at a time per object tree (two make runs in one tree corrupt it); the other build may have made ours.
exec 9>"$obj.lock"
flock -n 9 || { phase "waiting for another build-kernel.sh of $variant"; flock 9; use_cached && exit 0; }
if [ ! -f "$src/Makefile" ]; then
  phase "unpacking $tarball ($source_version)"
  unpacked=$(mktemp -d "$src.XXXXXX")
  tar -xJf "$tarball" -C "$unpacked" --strip-components=1
  mv -T "$unpacked" "$src" 2>/dev/null || rm -rf "$unpacked" # a concurrent build of the other variant won
fi
mkdir -p "$obj"
log="$obj/build.log"
: > "$log"

phase "configuring: allnoconfig + ${fragments[*]##*/}"
(cd "$src" && ./scripts/kconfig/merge_config.sh -n -O "$obj" "${fragments[@]}") >> "$log" 2>&1 \
  || { tail -n 30 "$log" >&2; die "merge_config.sh failed (full log: $log)"; }
make -C "$src" O="$obj" olddefconfig >> "$log" 2>&1 \
  || { tail -n 30 "$log" >&2; die "make olddefconfig failed (full log: $log)"; }

# Kconfig silently drops an option whose dependencies are unmet; a guest without it fails much later and far
# from the cause, so every assignment in the fragments must be in the final .config verbatim.
dropped=()
while IFS= read -r line; do
  grep -qxF "$line" "$obj/.config" \
    || dropped+=("$line (final: $(grep -E "^(# )?${line%%=*}[= ]" "$obj/.config" || echo absent))")
done < <(grep -hE '^CONFIG_[A-Za-z0-9_]+=' "${fragments[@]}" | sort -u)
if [ ${#dropped[@]} -gt 0 ]; then
  printf '  %s\n' "${dropped[@]}" >&2
  die "${#dropped[@]} option(s) above did not survive olddefconfig: add their dependencies to the fragment" \
    "(see 'Depends on' in make -C $src O=$obj menuconfig, search with /)"
fi
phase "config verified: $(grep -c '=y$' "$obj/.config") options =y, $(grep -c '=m$' "$obj/.config") =m"

phase "compiling with $jobs jobs (full log: $log)"
start=$SECONDS
# make's own output condensed to a line every 20 s (objects compiled so far, elapsed time), also while make is
# silent (linking vmlinux takes a while); errors and warnings pass through as they come.
progress() {
  local n=0 last=$SECONDS line
  while true; do
    if IFS= read -r -t 20 line; then
      case "$line" in
        *error:*|*warning:*) echo "   $line" ;;
        "  CC "*|"  AS "*|"  AR "*|"  LD "*|"  HOSTCC "*) n=$((n + 1)) ;;
      esac
    elif [ $? -le 128 ]; then
      break # end of make's output; above 128 is read's timeout
    fi
    if [ $((SECONDS - last)) -ge 20 ]; then
      last=$SECONDS
      echo "   kernel[$variant]: $n objects built, $((SECONDS - start)) s"
    fi
  done
  echo "   kernel[$variant]: $n objects built, $((SECONDS - start)) s"
}
make -C "$src" O="$obj" -j"$jobs" bzImage 2>&1 | tee -a "$log" | progress \
  || { grep -E 'error|Error' "$log" | tail -n 20 >&2; die "make bzImage failed (full log: $log)"; }
phase "compiled in $((SECONDS - start)) s"

grep -q 'Xen' <(readelf -n "$obj/vmlinux" 2>/dev/null) || die "$obj/vmlinux has no PVH ELF note (CONFIG_PVH)"
rm -rf "$result.tmp"
mkdir -p "$result.tmp"
cp "$obj/vmlinux" "$obj/arch/x86/boot/bzImage" "$obj/.config" "$result.tmp/"
mv -T "$result.tmp" "$result"
size() { du -h --apparent-size "$1" | cut -f1; }
phase "cached in $result (vmlinux $(size "$result/vmlinux"), bzImage $(size "$result/bzImage"))"
install_result
echo "$result"
