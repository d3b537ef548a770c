#!/usr/bin/env bash
# Lays out an installable tree like a Kata install:
#   DEST/bin/{kata-runtime,containerd-shim-kata-v2,kata-monitor}  launchers, working from any cwd and through symlinks
#   DEST/lib/kata-java/jre                               jlink'd JRE with only the JDK modules the host tools use
#   DEST/lib/kata-java/modules                           the project's modules and their dependencies
#   DEST/lib/kata-java/jvm.args                          the JVM options of the host tools (packaging/jvm/base.args)
#   DEST/share/defaults/kata-containers/*.toml           default configurations, paths pointing into PREFIX
# Usage: build-dist.sh --dest DIR --prefix DIR --modules DIR --jdk JAVA_HOME
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
packaging=$(dirname "$here")
dest= prefix= modules= jdk=
while [ $# -gt 0 ]; do
  case "$1" in
    --dest) dest=$2; shift 2 ;;
    --prefix) prefix=$2; shift 2 ;;
    --modules) modules=$2; shift 2 ;;
    --jdk) jdk=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-dist.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
[ -n "$dest" ] && [ -n "$prefix" ] && [ -d "$modules" ] && [ -x "$jdk/bin/jlink" ] \
  || { echo "build-dist.sh: need --dest, --prefix, --modules DIR and --jdk with bin/jlink (see --help)" >&2; exit 2; }
mkdir -p "$dest"
prefix=$(realpath -m "$prefix")
dest=$(cd "$dest" && pwd)
lib="$dest/lib/kata-java"

# java.logging backs System.Logger with levels; jdk.unsupported has sun.misc.Signal (run forwards signals).
jre_modules="java.base,java.logging,jdk.unsupported"
if [ "$(cat "$lib/jre/.modules" 2>/dev/null)" != "$jre_modules" ]; then
  echo ">> jlink: $jre_modules"
  rm -rf "$lib/jre"
  "$jdk/bin/jlink" --add-modules "$jre_modules" --strip-debug --no-header-files --no-man-pages \
    --compress=zip-6 --output "$lib/jre"
  echo "$jre_modules" > "$lib/jre/.modules"
fi

rm -rf "$lib/modules"
mkdir -p "$lib/modules"
cp "$modules"/*.jar "$lib/modules/"

# The JVM options of every host tool, from their one source.
install -m 0644 "$packaging/jvm/base.args" "$lib/jvm.args"

mkdir -p "$dest/bin"
for launcher in kata-runtime containerd-shim-kata-v2 kata-monitor; do
  install -m 0755 "$packaging/launcher/kata-launcher" "$dest/bin/$launcher"
done

"$here/install-config.sh" "$packaging/config" "$dest/share/defaults/kata-containers" "$prefix"
"$here/select-default-config.sh" "$dest"

"$here/train-aot.sh" "$dest"
echo ">> built $dest ($(du -sh "$dest" | cut -f1), JRE $(du -sh "$lib/jre" | cut -f1))"
