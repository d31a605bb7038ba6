#!/bin/sh
# Vulnerability database at scale: generates ~200k OSV advisories from the shapes of the corpus OSV
# data (ids and package names varied, so index selectivity is realistic), imports them, and times a
# scan's matching with peak memory. Usage: bench/vulndb.sh [BUILD_DIR] [N_ADVISORIES] [ARTIFACT]
# Prints numbers; asserts nothing (benchmarks are not tests).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build/release}
N=${2:-200000}
ASSAY=$BUILD/bin/assay
CORPUS=$ROOT/../shared/corpus
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM

/usr/bin/python3 - "$CORPUS/data/osv" "$WORK/feed" "$N" <<'PY'
import json, glob, os, sys
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
recs = [json.load(open(f)) for f in sorted(glob.glob(src + "/**/*.json", recursive=True))]
os.makedirs(out)
batch, k = [], 0
for i in range(n):
    r = json.loads(json.dumps(recs[i % len(recs)]))
    r["id"] = "%s-GEN-%d" % (r["id"], i)
    r["aliases"] = ["CVE-9%03d-%d" % (i % 1000, i)]
    for a in r.get("affected", []):
        # 1 in 50 keeps the real project name; the rest spread over 5000 synthetic projects.
        if i % 50:
            a["package"]["name"] = "%s-%d" % (a["package"]["name"], i % 5000)
    if i % 50:  # the CPE names too, or every copy would match the real project by CPE
        ds = r.get("database_specific", {})
        ds["cpes"] = [":".join(p[:4] + [p[4] + "-%d" % (i % 5000)] + p[5:]) for p in (c.split(":") for c in ds.get("cpes", []))]
    batch.append(r)
    if len(batch) == 5000:
        json.dump(batch, open("%s/part-%04d.json" % (out, k), "w")); batch, k = [], k + 1
if batch:
    json.dump(batch, open("%s/part-%04d.json" % (out, k), "w"))
PY

echo "== import $N advisories"
/usr/bin/time -v "$ASSAY" db import "$WORK/feed" --db "$WORK/v.db" 2> "$WORK/time.txt"
grep -E "Elapsed|Maximum resident" "$WORK/time.txt"
echo "== re-import (idempotent)"
/usr/bin/time -v "$ASSAY" db import "$WORK/feed" --db "$WORK/v.db" 2> "$WORK/time.txt"
grep -E "Elapsed|Maximum resident" "$WORK/time.txt"
"$ASSAY" db status --db "$WORK/v.db"

ARTIFACT=${3:-}
if [ -z "$ARTIFACT" ]; then
  # A generated root file system: version strings of upstream projects plus a dpkg status file.
  R="$WORK/rootfs"; mkdir -p "$R/usr/sbin" "$R/usr/lib" "$R/var/lib/dpkg"
  printf '\177ELF nginx version: nginx/1.20.0\000' > "$R/usr/sbin/nginx"
  printf 'SQLite version 3.31.1\000' > "$R/usr/lib/libsqlite3.so.0"
  : > "$R/var/lib/dpkg/status"
  for i in $(seq 1 500); do
    printf 'Package: pkg%d\nStatus: install ok installed\nVersion: 1.%d-1\nArchitecture: amd64\n\n' "$i" "$i" >> "$R/var/lib/dpkg/status"
  done
  ARTIFACT=$R
fi
echo "== scan $ARTIFACT with the database"
/usr/bin/time -v "$ASSAY" scan "$ARTIFACT" --vulndb "$WORK/v.db" --format json -q -o "$WORK/a.json" 2> "$WORK/time.txt" || true
grep -E "Elapsed|Maximum resident" "$WORK/time.txt"
echo "== scan without a database (baseline)"
/usr/bin/time -v "$ASSAY" scan "$ARTIFACT" --format json -q -o "$WORK/b.json" 2> "$WORK/time.txt" || true
grep -E "Elapsed|Maximum resident" "$WORK/time.txt"
/usr/bin/python3 -c "
import json,sys
a=json.load(open(sys.argv[1]))
v=[f for f in a['findings'] if f['rule_id']=='vulnerability.known']
m=[f for f in a['facts'] if f['type']=='vulnerability.matching']
print('components', len(a.get('components',[])), 'vulnerability findings', len(v), 'matching', m[0]['data'] if m else None)
" "$WORK/a.json"
