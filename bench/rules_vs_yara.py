#!/usr/bin/python3
"""The built-in pattern rules (rules/**/*.yaml with `patterns:`) in one vectorscan pass
(`assay rules match --raw`) against `yara -r` running the same patterns written as YARA rules,
over the same unpacked trees, in one run. Prints, for the whole process (assay with its compiled
rule cache warm and with ASSAY_NO_CACHE=1) and for the scan alone, seconds, MB/s per core and the
ratio, then the matcher's single-core throughput on plain data.

Both sides do the same work: every pattern over every byte of every file, no validation
callbacks (they run only on candidates, and YARA has none), one thread each (`yara -p 1`; `assay
rules match` is single-threaded). The YARA file is generated here from the YAML so the two rule
sets cannot drift; patterns YARA cannot express the same way are listed and left out of both
counts' comparison (none at the time of writing).

    scripts/build release
    bench/rules_vs_yara.py [--repeat 3] [--plain-mb 256] [ARTIFACT...]

Default artifacts: every image in ../shared/corpus/firmware plus the corpus ELF files, extracted
with `assay extract` first. Benchmarks are not tests: nothing asserts a time.
"""
import argparse
import glob
import os
import random
import resource
import re
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def yara_regex(rx: str) -> str:
    # YARA's regex dialect is PCRE-like; '/' delimits it, and it has no (?i) (nocase instead).
    return rx.replace("/", "\\/")


def yara_text(lit: str) -> str:
    out = []
    for c in lit:
        if c in '"\\':
            out.append("\\" + c)
        elif 32 <= ord(c) < 127:
            out.append(c)
        else:
            out.append("\\x%02x" % ord(c))
    return '"' + "".join(out) + '"'


def generate_yara(rules_dir: str) -> tuple[str, int, int]:
    rules, n_rules, n_patterns = [], 0, 0
    for path in sorted(glob.glob(os.path.join(rules_dir, "**", "*.yaml"), recursive=True)):
        doc = yaml.safe_load(open(path)) or {}
        for r in (doc.get("rules") or []) if isinstance(doc, dict) else []:
            pats = r.get("patterns") or []
            if not pats:
                continue
            strings = []
            for i, p in enumerate(pats):
                if isinstance(p, str):
                    p = {"regex": p}
                flags = p.get("flags") or []
                mod = " nocase" if ("caseless" in flags or "nocase" in flags) else ""
                if "literal" in p:
                    strings.append(f"    $p{i} = {yara_text(p['literal'])}{mod}")
                else:
                    strings.append(f"    $p{i} = /{yara_regex(p['regex'])}/{mod}")
                n_patterns += 1
            name = re.sub(r"[^A-Za-z0-9_]", "_", r["id"])
            cond = "all of them" if r.get("match") == "all" else "any of them"
            rules.append(f"rule {name} {{\n  strings:\n" + "\n".join(strings) + f"\n  condition:\n    {cond}\n}}\n")
            n_rules += 1
    return "\n".join(rules), n_rules, n_patterns


def tree_bytes(d: str) -> tuple[int, int]:
    n = b = 0
    for dp, _, fs in os.walk(d):
        for f in fs:
            p = os.path.join(dp, f)
            if os.path.isfile(p) and not os.path.islink(p):
                n += 1
                b += os.path.getsize(p)
    return n, b


CPU = {}  # command name -> best CPU seconds (user + sys) of the whole process


def best_of(repeat: int, cmd: list[str], env: dict | None = None, tag: str = "") -> tuple[float, str, str]:
    best, out, err, cpu = None, "", "", None
    for _ in range(repeat):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        r = subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                           env=None if env is None else {**os.environ, **env})
        dt = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        c = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        cpu = c if cpu is None else min(cpu, c)
        if best is None or dt < best:
            best, out, err = dt, r.stdout, r.stderr
    CPU[tag or " ".join(cmd[:4])] = cpu
    return best, out, err


def stat(err: str, key: str) -> float:
    m = re.search(rf"{key} ([0-9.]+)", err)
    return float(m.group(1)) if m else 0.0


def plain_data(path: str, mb: int) -> None:
    # Plain data: printable text with the character mix of configuration files and logs, so the
    # literal prefilters see realistic byte frequencies (not all-zero pages).
    rnd = random.Random(7)
    words = ["interface", "option", "config", "server", "enable", "port", "0", "1", "lan", "wan", "192.168.1.1",
             "timeout", "=", "#", "log", "daemon", "/usr/sbin", "start", "stop", "\n", "\n", "\t", "value"]
    chunk = " ".join(rnd.choice(words) for _ in range(200_000)).encode()
    with open(path, "wb") as f:
        left = mb << 20
        while left > 0:
            f.write(chunk[:left])
            left -= min(left, len(chunk))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("artifacts", nargs="*")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--plain-mb", type=int, default=256)
    ap.add_argument("--assay", default=os.environ.get("ASSAY", os.path.join(ROOT, "build/release/bin/assay")))
    a = ap.parse_args()
    if not shutil.which("yara"):
        print("yara is not installed (apt-get install yara)", file=sys.stderr)
        return 2
    corpus = os.path.join(ROOT, "..", "shared", "corpus")
    arts = a.artifacts or sorted(glob.glob(os.path.join(corpus, "firmware", "*.*")) +
                                 glob.glob(os.path.join(corpus, "elf", "*")))
    yara_ver = subprocess.run(["yara", "--version"], capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory(prefix="assay-bench-") as tmp:
        src, n_rules, n_pats = generate_yara(os.path.join(ROOT, "rules"))
        yar = os.path.join(tmp, "assay_patterns.yar")
        open(yar, "w").write(src)
        trees = os.path.join(tmp, "trees")
        os.makedirs(trees)
        for i, art in enumerate(arts):
            out = os.path.join(trees, f"{i:02d}-" + os.path.basename(art))
            if os.path.isdir(art):
                shutil.copytree(art, out, symlinks=True)
            elif subprocess.run([a.assay, "extract", "-q", art, "-o", out], capture_output=True).returncode > 2:
                print(f"extract failed: {art}", file=sys.stderr)
        n_files, n_bytes = tree_bytes(trees)
        print(f"rules: {n_rules} pattern rules, {n_pats} patterns; yara {yara_ver}; "
              f"{len(arts)} artifacts unpacked: {n_files} files, {n_bytes / 1e6:.1f} MB")
        # Whole-process times (rule compilation or cache load, file reading, scan) for both, assay
        # with its compiled-database cache warm and with it off (ASSAY_NO_CACHE=1: a compile per
        # run); and the matcher's own scan time as `--stats` reports it.
        match = [a.assay, "rules", "match", "--raw", "--stats", "-q", trees]
        subprocess.run(match, capture_output=True)  # warm the cache
        t_assay, _, err = best_of(a.repeat, match, tag="assay-warm")
        t_cold, _, _ = best_of(a.repeat, match, env={"ASSAY_NO_CACHE": "1"}, tag="assay-cold")
        t_yara, yout, _ = best_of(a.repeat, ["yara", "-r", "-p", "1", "-w", yar, trees], tag="yara")
        t_yara_fast, _, _ = best_of(a.repeat, ["yara", "-r", "-f", "-p", "1", "-w", yar, trees], tag="yara-fast")
        scan_s = stat(err, "seconds")
        scan_cpu = stat(err, "cpu_seconds")
        mb = n_bytes / 1e6
        c_warm, c_cold, c_yara = CPU["assay-warm"], CPU["assay-cold"], CPU["yara"]

        def row(name, assay_s, yara_s):
            ratio = yara_s / assay_s if assay_s else 0.0
            print(f"{name:<44} {assay_s:9.3f} {mb / assay_s if assay_s else 0:9.1f} {yara_s:9.3f} "
                  f"{mb / yara_s if yara_s else 0:9.1f} {ratio:7.1f}x")

        print(f"{'measure (seconds, MB/s)':<44} {'assay':>9} {'MB/s':>9} {'yara':>9} {'MB/s':>9} {'ratio':>8}")
        row("whole process, wall, cache warm", t_assay, t_yara)
        row("whole process, wall, no cache (compile)", t_cold, t_yara)
        row("whole process, CPU, cache warm", c_warm, c_yara)
        row("whole process, CPU, no cache (compile)", c_cold, c_yara)
        row("scan only: assay matcher CPU vs yara CPU", scan_cpu, c_yara)
        print(f"MB/s per core (per CPU second, one thread): assay whole process {mb / c_warm if c_warm else 0:.1f} "
              f"(warm cache), {mb / c_cold if c_cold else 0:.1f} (compile), matcher alone "
              f"{mb / scan_cpu if scan_cpu else 0:.1f}; yara {mb / c_yara if c_yara else 0:.1f}; "
              f"yara fast mode wall {t_yara_fast:.3f} s; yara rule hits: {len(yout.splitlines())}")
        plain = os.path.join(tmp, "plain.txt")
        plain_data(plain, a.plain_mb)
        _, _, perr = best_of(a.repeat, [a.assay, "rules", "match", "--raw", "--stats", "-q", plain], tag="assay-plain")
        t_yp, _, _ = best_of(1, ["yara", "-p", "1", "-w", yar, plain], tag="yara-plain")
        ps, pcpu = stat(perr, "seconds"), stat(perr, "cpu_seconds")
        pmb = (a.plain_mb << 20) / 1e6
        # Per core = per CPU second of the scanning thread (the wall clock also counts whatever
        # else the machine runs).
        print(f"plain data ({a.plain_mb} MiB, one thread): assay matcher {pmb / pcpu / 1000 if pcpu else 0:.2f} GB/s "
              f"per CPU second ({pcpu:.3f} s CPU, {ps:.3f} s wall); yara {pmb / t_yp / 1000:.3f} GB/s "
              f"({t_yp:.3f} s wall, compile included); ratio (wall) {t_yp / ps if ps else 0:.1f}x; "
              f"yara process CPU {CPU['yara-plain']:.3f} s = {CPU['yara-plain'] / pcpu if pcpu else 0:.1f}x the matcher's; "
              f"assay whole process CPU {CPU['assay-plain']:.3f} s = {pmb / CPU['assay-plain'] / 1000 if CPU['assay-plain'] else 0:.2f} GB/s")
        print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
