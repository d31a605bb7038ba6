#!/usr/bin/env bash
# `assay hardening DIR` vs `checksec --dir=DIR` on the same directory, same run: wall time of each
# and the ratio. Default DIR: /usr/bin. Benchmarks are not tests: nothing asserts a time.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-/usr/bin}"
assay="${ASSAY:-build/release/bin/assay}"
command -v checksec >/dev/null || { echo "checksec is not installed (scripts/setup installs it)" >&2; exit 2; }
files=$(find "$dir" -maxdepth 1 -type f | wc -l)
t0=$(date +%s.%N); "$assay" hardening -q "$dir" > /tmp/assay-hardening.txt; t1=$(date +%s.%N)
checksec --dir="$dir" --output=json > /tmp/checksec-hardening.json 2>/dev/null || true; t2=$(date +%s.%N)
python3 - "$t0" "$t1" "$t2" "$files" "$dir" <<'PY'
import sys
t0, t1, t2, files, d = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
a, c = t1 - t0, t2 - t1
print(f"{'tool':<10} {'seconds':>9}  files in {d}: {files}")
print(f"{'assay':<10} {a:9.2f}")
print(f"{'checksec':<10} {c:9.2f}")
print(f"speed-up   {c / a:8.1f}x")
PY
