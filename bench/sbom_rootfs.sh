#!/bin/sh
# SBOM and vulnerability matching on a real Debian root file system (debootstrap --variant=minbase
# bookworm, built once by scripts/make-debootstrap-root) with a large imported database: N
# generated OSV advisories (default 200,000). A quarter are Debian:12 records, some keyed by the
# root's own source packages (so every installed package costs real index lookups and version
# comparisons, as with Debian's real ~40k DEBIAN-CVE records), the rest varied from the shapes of
# the corpus OSV data (Bitnami, OSS-Fuzz: CPE and project-name lookups).
# Prints wall time, CPU time and peak RSS of `assay sbom` and `assay scan`, with and without the
# database. Asserts nothing (benchmarks are not tests).
# Usage: bench/sbom_rootfs.sh [BUILD_DIR] [N_ADVISORIES] [ROOT]
set -eu
REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$REPO/build/release}
N=${2:-200000}
ROOT=${3:-${ASSAY_DEBOOTSTRAP_ROOT:-$REPO/build/debootstrap-bookworm}}
ASSAY=$BUILD/bin/assay
CORPUS=$REPO/../shared/corpus
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM

"$REPO/scripts/make-debootstrap-root" "$ROOT"
echo "== root $ROOT: $(du -sh "$ROOT" | cut -f1), $(find "$ROOT" -xdev | wc -l) entries," \
  "$(dpkg-query -W --admindir="$ROOT/var/lib/dpkg" | wc -l) dpkg packages"

/usr/bin/python3 - "$CORPUS/data/osv" "$WORK/feed" "$N" "$ROOT/var/lib/dpkg/status" <<'PY'
import json, glob, os, sys
src, out, n, status = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
recs = [json.load(open(f)) for f in sorted(glob.glob(src + "/**/*.json", recursive=True))]
# Source package names of the root (Source: field, else the binary name).
sources = set()
for stanza in open(status, encoding="utf-8", errors="replace").read().split("\n\n"):
    f = dict(l.split(": ", 1) for l in stanza.splitlines() if ": " in l and not l.startswith(" "))
    if "Package" in f:
        sources.add(f.get("Source", f["Package"]).split(" ")[0])
sources = sorted(sources)
os.makedirs(out)
batch, k = [], 0
for i in range(n):
    if i % 4 == 0:
        j = i // 4
        # 1 in 20 names a real source package of the root; the rest 5000 synthetic ones.
        name = sources[j % len(sources)] if j % 20 == 0 else "srcpkg-%d" % (j % 5000)
        # Most are fixed in an old version; 1 in 10 has no fix (affects every version).
        events = [{"introduced": "0"}] + ([] if j % 10 == 0 else [{"fixed": "0.%d-1" % (j % 7)}])
        r = {"id": "DEBIAN-CVE-9%03d-%d" % (j % 1000, j), "modified": "2024-01-01T00:00:00Z",
             "aliases": ["CVE-9%03d-%d" % (j % 1000, j)], "summary": "generated Debian record",
             "affected": [{"package": {"ecosystem": "Debian:12", "name": name},
                           "ranges": [{"type": "ECOSYSTEM", "events": events}]}]}
    else:
        r = json.loads(json.dumps(recs[i % len(recs)]))
        r["id"] = "%s-GEN-%d" % (r["id"], i)
        r["aliases"] = ["CVE-8%03d-%d" % (i % 1000, i)]
        for a in r.get("affected", []):
            if i % 50:
                a["package"]["name"] = "%s-%d" % (a["package"]["name"], i % 5000)
        if i % 50:
            ds = r.get("database_specific", {})
            ds["cpes"] = [":".join(p[:4] + [p[4] + "-%d" % (i % 5000)] + p[5:]) for p in (c.split(":") for c in ds.get("cpes", []))]
    batch.append(r)
    if len(batch) == 5000:
        json.dump(batch, open("%s/part-%04d.json" % (out, k), "w")); batch, k = [], k + 1
if batch:
    json.dump(batch, open("%s/part-%04d.json" % (out, k), "w"))
PY

measure() {  # label, command...
  label=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/t" "$@" > /dev/null 2> "$WORK/err" || true
  # The last line: GNU time writes "Command exited with non-zero status" first when it did.
  tail -n 1 "$WORK/t" | awk -v l="$label" '{ printf "%-22s wall %7.2f s   cpu %7.2f s   peak RSS %5d MiB\n", l, $1, $2 + $3, $4 / 1024 }' 
}

echo "== import $N advisories"
measure "db import" "$ASSAY" db import "$WORK/feed" --db "$WORK/v.db"
"$ASSAY" db status --db "$WORK/v.db" | head -5
echo "== $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
measure "sbom (no database)" "$ASSAY" sbom "$ROOT" -q -o "$WORK/bom0.json"
measure "sbom --vulndb" "$ASSAY" sbom "$ROOT" --vulndb "$WORK/v.db" -q -o "$WORK/bom.json"
measure "scan (no database)" "$ASSAY" scan "$ROOT" --format json -q -o "$WORK/a0.json"
measure "scan --vulndb" "$ASSAY" scan "$ROOT" --vulndb "$WORK/v.db" --format json -q -o "$WORK/a.json"
/usr/bin/python3 - "$WORK/a.json" "$WORK/bom.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
v = [f for f in a["findings"] if f["rule_id"] == "vulnerability.known"]
m = [f["data"] for f in a["facts"] if f["type"] == "vulnerability.matching"]
dpkg = [c for c in a["components"] if c.get("source") == "dpkg-status"]
print("components %d (dpkg-status %d), vulnerability findings %d, CycloneDX vulnerabilities %d"
      % (len(a["components"]), len(dpkg), len(v), len(b.get("vulnerabilities", []))))
print("matching", m[0] if m else None)
PY
