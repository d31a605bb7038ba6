#!/usr/bin/python3
"""Full analysis of each corpus APK by Assay (`assay scan APK -q --format json -o /dev/null`)
against androguard's AnalyzeAPK (Debian package androguard: manifest, resources, every DEX
decoded and cross-referenced), on the same machine, in the same run. Prints wall time and CPU
seconds of each (whole process, best of --repeat) and the ratio.

Both sides start a fresh process per APK, so interpreter and library start-up count on both
sides, as they do for a user. CPU seconds are printed too, so that a busy machine does not decide
the ratio alone. Assay's fixed start-up (the scan of an empty file) is printed first; --no-cache
sets ASSAY_NO_CACHE=1 so that every scan compiles the vectorscan database (~0.25 CPU-s) instead of
loading the cached one.

    scripts/build release
    bench/apps_vs_androguard.py [--assay build/release/bin/assay] [--repeat 3] [--no-cache] [APK...]

Default APKs: every *.apk in ../shared/corpus/apk. Benchmarks are not tests: nothing asserts a time.
"""
import argparse
import glob
import os
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ANDROGUARD = "import sys\nfrom androguard.misc import AnalyzeAPK\nAnalyzeAPK(sys.argv[1])\n"


ENV = dict(os.environ)


def timed(cmd: list[str]) -> tuple[float, float, int]:
    """Runs cmd; returns (wall seconds, child CPU seconds, exit code)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, p.returncode


def best(cmd: list[str], repeat: int) -> tuple[float, float, int]:
    runs = [timed(cmd) for _ in range(repeat)]
    return min(r[0] for r in runs), min(r[1] for r in runs), runs[-1][2]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--assay", default=os.path.join(ROOT, "build", "release", "bin", "assay"))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus"))
    ap.add_argument("--repeat", type=int, default=3, help="runs per tool and APK; the best is kept")
    ap.add_argument("--androguard-repeat", type=int, default=1, help="runs of androguard (slow) per APK")
    ap.add_argument("--python", default="/usr/bin/python3", help="the interpreter that has androguard")
    ap.add_argument("--no-cache", action="store_true",
                    help="set ASSAY_NO_CACHE=1: compile the vectorscan database in every scan")
    ap.add_argument("apks", nargs="*")
    args = ap.parse_args()
    if args.no_cache:
        ENV["ASSAY_NO_CACHE"] = "1"

    apks = args.apks or sorted(glob.glob(os.path.join(args.corpus, "apk", "*.apk")))
    if not apks:
        print("no APKs found", file=sys.stderr)
        return 2
    if not os.access(args.assay, os.X_OK):
        print(f"no assay binary at {args.assay} (scripts/build release)", file=sys.stderr)
        return 2
    check = subprocess.run([args.python, "-c", "import androguard.misc"], capture_output=True)
    if check.returncode != 0:
        print("androguard is not importable (apt install androguard)", file=sys.stderr)
        return 2

    with tempfile.NamedTemporaryFile(suffix=".bin") as empty:
        base_wall, base_cpu, _ = best([args.assay, "scan", empty.name, "-q", "--format", "json", "-o", "/dev/null"],
                                      args.repeat)
    print(f"rule database cache: {'off (ASSAY_NO_CACHE=1)' if args.no_cache else 'on (default)'}")
    print(f"assay start-up (scan of an empty file, includes rule compilation unless cached): "
          f"{base_wall:.3f} s wall, {base_cpu:.3f} CPU-s\n")

    hdr = f"{'apk':32} {'MB':>6} {'assay s':>8} {'cpu':>6} {'androguard s':>13} {'cpu':>7} {'wall x':>7} {'cpu x':>6}"
    print(hdr)
    print("-" * len(hdr))
    worst = None
    for apk in apks:
        a_wall, a_cpu, a_rc = best([args.assay, "scan", apk, "-q", "--format", "json", "-o", "/dev/null"],
                                   args.repeat)
        g_wall, g_cpu, g_rc = best([args.python, "-c", ANDROGUARD, apk], args.androguard_repeat)
        ratio = g_wall / a_wall if a_wall > 0 else float("inf")
        cpu_ratio = g_cpu / a_cpu if a_cpu > 0 else float("inf")
        note = ""
        if a_rc not in (0, 1, 2):
            note += f" assay exit {a_rc}"
        if g_rc != 0:
            note += f" androguard exit {g_rc}"
        print(f"{os.path.basename(apk)[:32]:32} {os.path.getsize(apk) / 1e6:6.2f} {a_wall:8.3f} {a_cpu:6.2f} "
              f"{g_wall:13.2f} {g_cpu:7.2f} {ratio:6.1f}x {cpu_ratio:5.1f}x{note}")
        sys.stdout.flush()
        worst = ratio if worst is None else min(worst, ratio)
    print(f"\nlowest wall-time ratio: {worst:.1f}x (target: 20x on every APK)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
