#!/usr/bin/env python3
"""assay extract vs binwalk -Me on every corpus firmware image, same machine, same run.

Prints a table: wall time of each tool (best of --repeat runs), the ratio, and the regular files
each recovered (non-empty files written to disk; Assay's intermediate containers count like
binwalk's carved files). Benchmarks are not tests: nothing here asserts a time.

usage: bench/extract_vs_binwalk.py [--assay build/release/bin/assay] [--corpus ../shared/corpus] [--repeat 3]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time


def count_files(root):
    n = 0
    for dirpath, _, files in os.walk(root):
        for f in files:
            p = os.path.join(dirpath, f)
            if f == "assay-tree.tsv" or os.path.islink(p):
                continue
            try:
                if os.path.isfile(p) and os.path.getsize(p) > 0:
                    n += 1
            except OSError:
                pass
    return n


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
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as d:
                out = os.path.join(d, "out")
                t = timed([args.assay, "extract", "-q", img, "-o", out], d)
                files_a = count_files(out)
                best_a = t if best_a is None else min(best_a, t)
            with tempfile.TemporaryDirectory() as d:
                t = timed(["binwalk", "-q", "-Me", "--run-as=root", "-C", d, img], d)
                files_b = count_files(d)
                best_b = t if best_b is None else min(best_b, t)
        rows.append((os.path.relpath(img, args.corpus), best_a, best_b, files_a, files_b))
    w = max(len(r[0]) for r in rows)
    print(f"{'image':<{w}}  {'assay s':>8}  {'binwalk s':>9}  {'speedup':>7}  {'assay files':>11}  {'binwalk files':>13}")
    for name, ta, tb, fa, fb in rows:
        print(f"{name:<{w}}  {ta:8.3f}  {tb:9.3f}  {tb / ta:6.1f}x  {fa:11d}  {fb:13d}")
    ta = sum(r[1] for r in rows)
    tb = sum(r[2] for r in rows)
    print(f"{'total':<{w}}  {ta:8.3f}  {tb:9.3f}  {tb / ta:6.1f}x  {sum(r[3] for r in rows):11d}  {sum(r[4] for r in rows):13d}")


if __name__ == "__main__":
    main()
