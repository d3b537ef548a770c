#!/usr/bin/env bash
# Builds the guest initrd, like Kata's osbuilder initrd target: a sorted newc cpio with fixed mtimes holding
# busybox (static) with its applet links, crun with its libraries, a jlink'd JRE with a CDS/AOT archive, the
# agent's module jars and /init (see init beside this script).
#
# With --image, the same tree also becomes a read-only ext4 root image (Kata's `image`, kata-containers.img) that
# the VMM maps into the guest as persistent memory and the guest mounts with dax: its pages are the host's page
# cache, shared by every VM that maps the file.
#
# Usage: build-initrd.sh --out DIR [--agent-modules DIR --agent-main MODULE/CLASS] [options]
#   --out DIR                 write DIR/kata-containers-initrd.img
#   --image                   also write DIR/kata-containers.img: ext4, 4 KiB blocks (DAX maps whole pages), no
#                             journal, fixed UUID and hash seed, its size a multiple of 2 MiB (what the guest's
#                             pmem driver maps)
#   --agent-modules DIR       the agent's module jars and their dependencies (a module path)
#   --agent-main MODULE/CLASS the agent's main, e.g. io.katacontainers.agent/io.katacontainers.agent.Main
#   --agent-training-args A   arguments for a short run of the agent that exits 0, run at build time to train its
#                             AOT cache (default: --self-test)
#   --test-init               /init checks the guest and reboots instead of starting the agent: prints a marker,
#                             crun --version, java -version, runs a container. Implied without --agent-modules.
#   --jre-modules LIST        JDK modules of the JRE (default: java.base and the JDK modules the agent's module
#                             graph requires)
#   --jdk DIR                 the JDK to jlink from (default: $JAVA_HOME)
#   --compression none|gzip|zstd
#                             default none: under TCG the kernel unpacks a compressed image slower than it copies
#                             a plain one (measured to the /init marker: none 1.5 s, zstd 2.1 s, gzip 2.9 s)
# SOURCE_DATE_EPOCH (default 0) is the mtime of every file, so equal inputs give an identical image.
# Runs as root: the CDS/AOT archive is made by the image's own JRE chrooted in the image, so that the paths it
# records are the guest's, and /dev/console is a device node.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out= image= compression=none agent_modules= agent_main= training_args=--self-test test_init= jre_modules= jdk=${JAVA_HOME:-}
epoch=${SOURCE_DATE_EPOCH:-0}
image_name=kata-containers-initrd.img
rootfs_image_name=kata-containers.img
# Fixed identity of the root image's file system, so that equal inputs give an identical image.
rootfs_uuid=6b617461-6a61-7661-726f-6f7466730001
# Where things live inside the guest; /init knows the same paths.
agent_dir=/usr/lib/kata-agent
# Options of every JVM in the guest (agent, training run, test init), from their one source: the project's
# base.args and the guest's additions (packaging/jvm, where the reasons are written).
jvm_args=("$here/../../jvm/base.args" "$here/../../jvm/guest.args")

die() { echo "build-initrd.sh: $*" >&2; exit 1; }
phase() { echo ">> initrd: $*"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --agent-modules) agent_modules=${2:?--agent-modules needs a directory}; shift 2 ;;
    --agent-main) agent_main=${2:?--agent-main needs MODULE/CLASS}; shift 2 ;;
    --agent-training-args) training_args=${2?}; shift 2 ;;
    --test-init) test_init=1; shift ;;
    --image) image=1; shift ;;
    --jre-modules) jre_modules=${2:?--jre-modules needs a comma-separated list}; shift 2 ;;
    --jdk) jdk=${2:?--jdk needs a JDK directory}; shift 2 ;;
    --compression) compression=${2:?--compression needs none, gzip or zstd}; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
[ -n "$out" ] || die "--out DIR is required (see --help)"
# JDK 25: -XX:AOTCacheOutput (one-step AOT cache training) is new in 25.
jdk_major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$jdk/release" 2>/dev/null || true)
[ -n "$jdk" ] && [ -x "$jdk/bin/jlink" ] && [ "${jdk_major:-0}" -ge 25 ] \
  || die "'$jdk' is no JDK 25 or newer with jlink: pass --jdk or set JAVA_HOME (packaging/scripts/find-jdk.sh)"
if [ -n "$agent_modules" ] || [ -n "$agent_main" ]; then
  [ -d "$agent_modules" ] && [ -n "$agent_main" ] || die "--agent-modules DIR and --agent-main MODULE/CLASS go together"
  [[ "$agent_main" == */* ]] || die "--agent-main wants MODULE/CLASS, not '$agent_main'"
  compgen -G "$agent_modules/*.jar" >/dev/null || die "no jars in $agent_modules"
else
  test_init=1
fi
case "$compression" in
  none) compress=(cat) ;;
  gzip) compress=(gzip -9n) ;;
  zstd) compress=(zstd -q -19 -T0) ;; # zstd writes no name or time
  *) die "unknown compression '$compression': use none, gzip or zstd" ;;
esac
[[ "$epoch" =~ ^[0-9]+$ ]] || die "SOURCE_DATE_EPOCH must be seconds since 1970, not '$epoch'"
[ "$(id -u)" -eq 0 ] || die "run as root: the JVM's archive is made chrooted in the image, /dev/console is a node"
busybox=$(command -v busybox || true)
crun=$(command -v crun || true)
missing=()
# a static busybox runs before any library is in place (and in the container the test init starts)
[ -n "$busybox" ] && ! ldd "$busybox" >/dev/null 2>&1 || missing+=(busybox-static)
[ -n "$crun" ] || missing+=(crun)
command -v cpio >/dev/null || missing+=(cpio)
command -v "${compress[0]}" >/dev/null || missing+=("${compress[0]}")
command -v unshare >/dev/null || missing+=(util-linux)
[ -z "$image" ] || command -v mkfs.ext4 >/dev/null || missing+=(e2fsprogs)
[ ${#missing[@]} -eq 0 ] || die "missing ${missing[*]}: apt-get install ${missing[*]}"

umask 022
work=$(mktemp -d "${TMPDIR:-/tmp}/kata-initrd.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,etc,mnt,proc,run,sys,tmp,root,"$agent_dir"}
chmod 1777 "$root/tmp"
# The agent bind-mounts CreateSandbox's DNS lines over this file, as Kata's agent does over its image's own.
: > "$root/etc/resolv.conf"
mknod -m 0600 "$root/dev/console" c 5 1

phase "busybox $("$busybox" --help | head -1 | cut -d' ' -f2) and its applets"
install -m 0755 "$busybox" "$root/bin/busybox"
"$busybox" --list-full | while read -r applet; do
  if [[ "$applet" == */* && ! -e "$root/$applet" ]]; then ln -s /bin/busybox "$root/$applet"; fi
done

phase "crun $("$crun" --version | head -1 | cut -d' ' -f3)"
install -m 0755 "$crun" "$root/usr/bin/crun"

if [ -z "$jre_modules" ]; then
  jre_modules=java.base
  if [ -n "$agent_modules" ]; then
    # What the agent's module graph requires from the JDK, as the launcher resolves it: `requires static` and
    # service bindings stay out, unlike jdeps, which counts every reference in the bytecode.
    resolution=$("$jdk/bin/java" --dry-run --show-module-resolution --module-path "$agent_modules" \
      -m "$agent_main" 2>&1) || { echo "$resolution" >&2; die "the agent's modules do not resolve (above)"; }
    # The lines read "A requires B location" (and "A binds B ..."): walk the requires from the root module.
    jre_modules=$(awk '
      $1 == "root" { root = $2 }
      $2 == "requires" { needs[$1] = needs[$1] " " $3; if ($4 ~ /^jrt:/) jdk[$3] = 1 }
      END {
        queue[n = 1] = root; seen[root] = 1
        for (i = 1; i <= n; i++) {
          k = split(needs[queue[i]], required, " ")
          for (j = 1; j <= k; j++) if (!seen[required[j]]++) queue[++n] = required[j]
        }
        for (m in seen) if (m in jdk) print m
      }' <<<"$resolution" | sort -u | paste -sd, -)
    jre_modules=java.base${jre_modules:+,$jre_modules}
  fi
fi
phase "JRE: jlink $jre_modules"
jre=$root$agent_dir/jre
"$jdk/bin/jlink" --add-modules "$jre_modules" --strip-debug --no-man-pages --no-header-files --compress=zip-6 \
  --output "$jre" || die "jlink failed: check --jre-modules '$jre_modules' (java --list-modules shows the names)"
cat "${jvm_args[@]}" > "$root$agent_dir/jvm.args"
if [ -n "$agent_modules" ]; then
  mkdir -p "$root$agent_dir/modules"
  cp "$agent_modules"/*.jar "$root$agent_dir/modules/"
fi

# The libraries of crun and of the JRE's native code, at the paths the dynamic loader searches, and the loader
# itself at the path the binaries name. The JRE's own libraries find each other at run time (libjvm.so is loaded
# first), which ldd sees only through LD_LIBRARY_PATH.
phase "shared libraries"
export LD_LIBRARY_PATH=$jre/lib:$jre/lib/server
mapfile -t binaries < <(find "$root/usr/bin/crun" "$jre" -type f \( -name '*.so' -o -perm -u+x \))
for binary in "${binaries[@]}"; do
  deps=$(ldd "$binary" 2>/dev/null) || continue # not a dynamic ELF file
  ! grep 'not found' <<<"$deps" || die "$binary needs the libraries above: install them"
  grep -oE '(=> )?/[^ ]+' <<<"$deps" | sed 's/^=> //'
done | sort -u | while read -r lib; do
  [[ "$lib" == "$jre"/* || -e "$root$lib" ]] && continue
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
unset LD_LIBRARY_PATH

cp "$here/init" "$root/init"
chmod 0755 "$root/init"
if [ -n "$test_init" ]; then mode=test; else mode=agent; fi
cat > "$root/etc/kata-init.conf" <<EOF
KATA_INIT_MODE=$mode
KATA_AGENT_MAIN=$agent_main
EOF

# The JVM records the size and mtime of the runtime image and of the jars in its archive and ignores the archive
# when they differ: mtimes are fixed before the archive is made, and the kernel keeps them when it unpacks.
fix_mtimes() { find "$root" -exec touch -h -d "@$epoch" {} +; }
fix_mtimes
in_image() { unshare --mount --pid --fork --mount-proc="$root/proc" chroot "$root" "$@"; }
java_in_image=("$agent_dir/jre/bin/java" "@$agent_dir/jvm.args")
if [ -n "$agent_modules" ]; then
  phase "AOT cache: training run of $agent_main $training_args"
  # No machine code in the cache (JDK 25 stores adapters and stubs by default): it is generated for the build
  # host's CPU (AVX-512 here) and dies with SIGILL on a guest CPU without those features (seen in the nested KVM
  # harness). Class loading and linking, the bulk of the gain, stay cached.
  # shellcheck disable=SC2086 # the training arguments are a word list
  in_image "${java_in_image[@]}" -XX:+UnlockDiagnosticVMOptions -XX:-AOTAdapterCaching -XX:-AOTStubCaching \
    -XX:AOTCacheOutput="$agent_dir/agent.aot" --module-path "$agent_dir/modules" \
    -m "$agent_main" $training_args >"$work/training.log" 2>&1 \
    || { tail -n 20 "$work/training.log" >&2; die "training run failed: --agent-training-args must make it exit 0"; }
else
  phase "CDS archive of the JRE (no agent: default classes)"
  in_image "${java_in_image[@]}" -Xshare:dump >"$work/dump.log" 2>&1 \
    || { tail -n 20 "$work/dump.log" >&2; die "java -Xshare:dump failed in the image"; }
fi
fix_mtimes

phase "cpio (newc, sorted, mtime $epoch) | ${compress[*]}"
mkdir -p "$out"
(cd "$root" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible) \
  | "${compress[@]}" > "$out/$image_name.tmp"
mv "$out/$image_name.tmp" "$out/$image_name"
size() { du -sh --apparent-size "$1" | cut -f1; }
phase "$out/$image_name: $(size "$out/$image_name") ($(size "$root") unpacked, $compression, /init mode $mode)"

if [ -n "$image" ]; then
  # The tree's blocks plus a quarter for ext4's metadata and 16 MiB of slack, rounded up to 2 MiB: the guest maps
  # the image with 2 MiB granularity (struct pages for DAX), and QEMU's nvdimm takes the file's size as is.
  used_kib=$(du -s --block-size=1K "$root" | cut -f1)
  size_mib=$(( (used_kib * 5 / 4 / 1024 + 16 + 1) / 2 * 2 ))
  phase "root image: ext4 of $size_mib MiB (read-only, dax), uuid $rootfs_uuid"
  rm -f "$out/$rootfs_image_name.tmp"
  # E2FSPROGS_FAKE_TIME fixes the superblock's times; -d copies each file's mode, owner and mtime (the JVM's AOT
  # cache checks the mtimes); no journal, as the guest never writes it.
  E2FSPROGS_FAKE_TIME=$epoch mkfs.ext4 -q -F -b 4096 -m 0 -L kata-rootfs -U "$rootfs_uuid" \
    -O ^has_journal,^resize_inode,^metadata_csum -E "hash_seed=$rootfs_uuid,lazy_itable_init=0,root_owner=0:0" \
    -d "$root" "$out/$rootfs_image_name.tmp" "${size_mib}M" >"$work/mkfs.log" 2>&1 \
    || { cat "$work/mkfs.log" >&2; die "mkfs.ext4 -d failed (above)"; }
  # mke2fs 1.47.0 stamps the superblock's check and write times and every inode's ctime, atime and crtime with the
  # clock (SOURCE_DATE_EPOCH only from 1.47.1): debugfs sets them to the epoch, inode by inode (a fresh file
  # system allocates its inodes in order, so the used ones are the first "inode count - free inodes").
  used_inodes=$(dumpe2fs -h "$out/$rootfs_image_name.tmp" 2>/dev/null \
    | awk -F: '/^Inode count/ { n = $2 } /^Free inodes/ { f = $2 } END { print n - f }')
  [[ "$used_inodes" =~ ^[0-9]+$ ]] && [ "$used_inodes" -gt 11 ] || die "cannot read the root image's inode count"
  {
    for field in wtime lastcheck mkfs_time mtime; do echo "set_super_value $field $epoch"; done
    for ((inode = 1; inode <= used_inodes; inode++)); do
      for field in atime ctime mtime crtime; do
        [ "$field" = mtime ] && [ "$inode" -gt 11 ] && continue # the tree's own mtimes, fixed above
        echo "set_inode_field <$inode> $field @$epoch"
      done
    done
  } > "$work/times.debugfs"
  debugfs -w -f "$work/times.debugfs" "$out/$rootfs_image_name.tmp" >"$work/debugfs.log" 2>&1 \
    || { tail -n 20 "$work/debugfs.log" >&2; die "debugfs could not fix the root image's times"; }
  # debugfs's own close stamps the superblock's write time again (s_wtime, at byte 1024 + 48): overwritten in
  # place, which is why the image has no metadata_csum (that checksum would cover the superblock too).
  printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((epoch & 255)) $((epoch >> 8 & 255)) $((epoch >> 16 & 255)) \
    $((epoch >> 24 & 255)))" | dd of="$out/$rootfs_image_name.tmp" bs=1 seek=1072 conv=notrunc status=none
  fsck.ext4 -fn "$out/$rootfs_image_name.tmp" >"$work/fsck.log" 2>&1 \
    || { cat "$work/fsck.log" >&2; die "the root image fails fsck.ext4 (above)"; }
  mv "$out/$rootfs_image_name.tmp" "$out/$rootfs_image_name"
  phase "$out/$rootfs_image_name: $(size "$out/$rootfs_image_name")"
fi
