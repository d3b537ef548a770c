#!/usr/bin/env bash
# `kata-runtime run --bundle B ID true` booted cold against started from a VM template ([factory]
# enable_template, `kata-runtime factory init`), interleaved in one loop; median of RUNS each, the ratio, and each
# one's time split into phases from its debug log (see lib/kata-run.sh: for a clone, "runtime start" includes the
# copy of the template's memory, "VM boot to agent ready" QEMU's restore, the virtio-fs hot-plug and the dial).
# Usage: template-start.sh [--runs N]   (default 5; root; build first: make build)
set -euo pipefail
usage() { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; }
runs=5
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --runs) runs=$2; shift 2 ;;
    *) usage >&2; exit 2 ;;
  esac
done
# shellcheck source=lib/kata-run.sh
. "$(dirname "$0")/lib/kata-run.sh"
require_build

template_root="/run/kata-bench-template-$$"
template_dir="$template_root/template"
cleanup_template() {
  set +e
  [ -f "$tmp/template.toml" ] && "$kata" --config "$tmp/template.toml" factory destroy >/dev/null 2>&1
  rm -rf --one-file-system "$template_root"
  cleanup
}
trap cleanup_template EXIT

shipped="$root/build/share/defaults/kata-containers/configuration.toml"
sed -E 's/^dial_timeout = [0-9]+$/dial_timeout = 180/' "$shipped" >"$tmp/cold.toml"
sed -E -e 's/^#enable_template = true$/enable_template = true/' \
  -e "s|^#template_path = .*|template_path = \"$template_dir\"|" "$tmp/cold.toml" >"$tmp/template.toml"
grep -q '^enable_template = true$' "$tmp/template.toml" || die "the shipped configuration has no #enable_template"

make_bundle "$tmp/bundle" true
t0=$(now_ms)
"$kata" --config "$tmp/template.toml" factory init >"$tmp/init.out" 2>&1 || { cat "$tmp/init.out" >&2; die "factory init failed"; }
init_ms=$(( $(now_ms) - t0 ))
echo ">> factory init: $init_ms ms" >&2

: >"$tmp/cold" ; : >"$tmp/clone"
for i in $(seq "$runs"); do
  kata_run "bench-tpl-cold-$$-$i" "$tmp/bundle" "$tmp/cold.out" "$tmp/cold.toml" >>"$tmp/cold"
  kata_run "bench-tpl-clone-$$-$i" "$tmp/bundle" "$tmp/clone.out" "$tmp/template.toml" >>"$tmp/clone"
  grep -q "VM restored from the template" "$tmp/clone.out.log" \
    || { cat "$tmp/clone.out.log" >&2; die "run $i did not start from the template"; }
  echo ">>   run $i: cold $(tail -1 "$tmp/cold" | cut -d' ' -f1) ms, template $(tail -1 "$tmp/clone" | cut -d' ' -f1) ms" >&2
done

cold_ms=$(cut -d' ' -f1 "$tmp/cold" | median)
clone_ms=$(cut -d' ' -f1 "$tmp/clone" | median)
echo
echo "kata-runtime run of \`true\`, busybox bundle, QEMU $(grep -o 'QEMU [0-9.]* runs as pid [0-9]* ([^)]*)' "$tmp/cold.out.log" | sed 's/.*(//; s/)//'), median of $runs (ms)"
printf '  %-48s %7s ms\n' "factory init (once)" "$init_ms" "cold boot" "$cold_ms" "from the template" "$clone_ms"
printf '  %-48s %7s\n' "ratio template / cold" "$(awk -v a="$clone_ms" -v b="$cold_ms" 'BEGIN {printf "%.2f", a / b}')"
printf '  %-48s %7s MiB\n' "template memory file (allocated)" "$(( $(du -k "$template_dir/memory" | cut -f1) / 1024 ))" \
  "template device state" "$(( $(stat -c %s "$template_dir/state") / 1024 / 1024 ))"
echo "cold, split (median of each phase, ms; they need not add up to the median total)"
print_kata_phases "$tmp/cold"
echo "from the template, split (same loop)"
print_kata_phases "$tmp/clone"
echo "(host: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
