#!/usr/bin/env python3
"""assay extract vs binwalk -Me on every corpus firmware image, same machine, same run.

Prints a table: wall time of each tool (best of --repeat runs), the ratio, and the regular files
each recovered (non-empty files written to disk; Assay's intermediate containers count like
binwalk's carved files). Benchmarks are not tests: nothing here asserts a time.

usage: bench/extract_vs_binwalk.py [--assay build/release/bin/assay] [--corpus ../shared/corpus] [--repeat 3]
"""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time


def contents(root):
    """Number of non-empty regular files, and the set of their SHA-256 digests."""
    n = 0
    digests = {}
    for dirpath, _, files in os.walk(root):
        for f in files:
            p = os.path.join(dirpath, f)
            if f == "assay-tree.tsv" or os.path.islink(p):
                continue
            try:
                if os.path.isfile(p) and os.path.getsize(p) > 0:
                    n += 1
                    with open(p, "rb") as fh:
                        digests[hashlib.sha256(fh.read()).hexdigest()] = os.path.relpath(p, root)
            except OSError:
                pass
    return n, digests


def timed(cmd, cwd):
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t0


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--assay", default=os.path.join(here, "..", "build", "release", "bin", "assay"))
    ap.add_argument("--corpus", default=os.path.join(here, "..", "..", "shared", "corpus"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    args.assay = os.path.abspath(args.assay)  # the tools run with a temporary directory as cwd
    if not shutil.which("binwalk"):
        sys.exit("binwalk is not installed (scripts/setup installs it)")
    fw = os.path.join(args.corpus, "firmware")
    images = []
    for dirpath, _, files in os.walk(fw):
        for f in sorted(files):
            images.append(os.path.join(dirpath, f))
    images.sort()
    rows = []
    for img in images:
        best_a = best_b = None
        files_a = files_b = 0
        dig_a, dig_b = {}, {}
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as d:
                out = os.path.join(d, "out")
                t = timed([args.assay, "extract", "-q", img, "-o", out], d)
                files_a, dig_a = contents(out)
                best_a = t if best_a is None else min(best_a, t)
            with tempfile.TemporaryDirectory() as d:
                t = timed(["binwalk", "-q", "-Me", "--run-as=root", "-C", d, img], d)
                files_b, dig_b = contents(d)
                best_b = t if best_b is None else min(best_b, t)
        only_b = sorted(v for k, v in dig_b.items() if k not in dig_a)
        rows.append((os.path.relpath(img, args.corpus), best_a, best_b, files_a, files_b,
                     len(dig_a), len(dig_b), only_b))
    w = max(len(r[0]) for r in rows)
    print(f"{'image':<{w}}  {'assay s':>8}  {'binwalk s':>9}  {'speedup':>7}  {'files a/b':>11}  "
          f"{'contents a/b':>13}  {'binwalk-only':>12}")
    for name, ta, tb, fa, fb, ca, cb, only in rows:
        print(f"{name:<{w}}  {ta:8.3f}  {tb:9.3f}  {tb / ta:6.1f}x  {fa:5d}/{fb:<5d}  {ca:6d}/{cb:<6d}  {len(only):12d}")
    ta = sum(r[1] for r in rows)
    tb = sum(r[2] for r in rows)
    print(f"{'total':<{w}}  {ta:8.3f}  {tb:9.3f}  {tb / ta:6.1f}x")
    print("\nfiles: non-empty regular files written; contents: distinct SHA-256 among them;")
    print("binwalk-only: contents binwalk wrote that Assay's tree does not hold:")
    for r in rows:
        for p in r[7][:10]:
            print(f"  {r[0]}: {p}")


if __name__ == "__main__":
    main()
