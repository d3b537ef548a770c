#!/usr/bin/env bash
# Builds a busybox OCI image as an OCI image-layout tar (what `ctr image import` and `skopeo copy oci-archive:`
# read), reproducibly: fixed mtimes, sorted entries, so equal inputs give equal digests.
# Usage: make-image.sh OUT.tar [REF [CMD...]]     (default REF: docker.io/library/kata-busybox:latest, CMD: sh)
set -euo pipefail
case "${1:-}" in -h|--help|"") sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'; [ -n "${1:-}" ]; exit $? ;; esac
out=$(realpath -m "$1")
ref=${2:-docker.io/library/kata-busybox:latest}
shift $(( $# < 2 ? $# : 2 ))
[ $# -gt 0 ] || set -- sh
json_string() { local s=${1//\\/\\\\}; s=${s//\"/\\\"}; printf '"%s"' "$s"; }
cmd=""
for a in "$@"; do cmd+="${cmd:+, }$(json_string "$a")"; done
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$here/make-bundle.sh" "$work/bundle" sh >/dev/null
layout="$work/layout"
mkdir -p "$layout/blobs/sha256"
tar_opts=(--sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=posix
  --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime)

blob() { # FILE MEDIATYPE: stores FILE as a blob, prints its descriptor JSON
  local digest size
  digest=$(sha256sum "$1" | cut -d' ' -f1)
  size=$(stat -c %s "$1")
  cp "$1" "$layout/blobs/sha256/$digest"
  printf '{"mediaType": "%s", "digest": "sha256:%s", "size": %s}' "$2" "$digest" "$size"
}

tar "${tar_opts[@]}" -C "$work/bundle/rootfs" -cf "$work/layer.tar" .
diff_id=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
gzip -n -9 "$work/layer.tar"
layer=$(blob "$work/layer.tar.gz" application/vnd.oci.image.layer.v1.tar+gzip)

cat > "$work/config.json" <<JSON
{"architecture": "amd64", "os": "linux",
 "config": {"Env": ["PATH=/bin"], "Cmd": [$cmd], "WorkingDir": "/"},
 "rootfs": {"type": "layers", "diff_ids": ["sha256:$diff_id"]},
 "history": [{"created_by": "kata-java packaging/bundle/make-image.sh"}]}
JSON
config=$(blob "$work/config.json" application/vnd.oci.image.config.v1+json)

printf '{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": %s, "layers": [%s]}' \
  "$config" "$layer" > "$work/manifest.json"
manifest=$(blob "$work/manifest.json" application/vnd.oci.image.manifest.v1+json)

printf '{"schemaVersion": 2, "manifests": [%s]}' \
  "${manifest%\}}, \"annotations\": {\"io.containerd.image.name\": \"$ref\", \"org.opencontainers.image.ref.name\": \"${ref##*:}\"}}" \
  > "$layout/index.json"
echo '{"imageLayoutVersion": "1.0.0"}' > "$layout/oci-layout"
tar "${tar_opts[@]}" -C "$layout" -cf "$out" .
echo ">> image $ref: $out ($(stat -c %s "$out") bytes)"
