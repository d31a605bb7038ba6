#!/usr/bin/python3
"""Derives rules/keys/known-bad-ssh-keys.yaml from a directory of known-bad SSH keys.

Input: a directory in the layout of the rapid7/ssh-badkeys collection (one NAME.key private key
and one NAME.json with {"username", "pub_key"} per product), for example
../shared/corpus/data/default-creds/ssh_keys. For every pair the public key is recomputed from the
private key with `ssh-keygen -y` (so a .json that disagrees with its key is caught) and fingerprinted
the way `ssh-keygen -lf` does (SHA-256 of the public key blob, the form Assay computes for every
key it finds; the test suite checks the two agree). CVE ids are taken
from the file name when it carries one.

Only fingerprints, names and CVE ids are written: the keys themselves never enter the repository.
Run once when the source list changes and review the diff:

    scripts/derive_known_bad_ssh_keys.py ../shared/corpus/data/default-creds/ssh_keys \
        > rules/keys/known-bad-ssh-keys.yaml
"""
import base64
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile


def fingerprint(pub_line: str) -> tuple[str, str, int]:
    """SHA-256 fingerprint as `ssh-keygen -lf` prints it, computed here because OpenSSH 9 refuses
    to load RSA keys under 1024 bits (the ExaGrid key has 1023), and bad keys are often weak."""
    b64 = pub_line.split()[1]
    blob = base64.b64decode(b64 + "=" * (-len(b64) % 4))
    fp = "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    fields, pos = [], 0
    while pos + 4 <= len(blob) and len(fields) < 3:
        n = struct.unpack(">I", blob[pos:pos + 4])[0]
        fields.append(blob[pos + 4:pos + 4 + n])
        pos += 4 + n
    kind = fields[0].decode()
    algo = {"ssh-rsa": "rsa", "ssh-dss": "dsa", "ssh-ed25519": "ed25519"}.get(kind, "ecdsa")
    if kind == "ssh-rsa":
        bits = int.from_bytes(fields[2], "big").bit_length()
    elif kind == "ssh-dss":
        bits = int.from_bytes(fields[1], "big").bit_length()
    elif kind == "ssh-ed25519":
        bits = 256
    else:
        bits = {"nistp256": 256, "nistp384": 384, "nistp521": 521}.get(fields[1].decode(), 0)
    return fp, algo, bits


def rsa_public_line(key: str) -> str:
    """ssh-rsa public line of an RSA key OpenSSH will not load, built from openssl's numbers."""
    text = subprocess.run(["openssl", "rsa", "-in", key, "-noout", "-text"], check=True, capture_output=True,
                          text=True).stdout
    mod = re.search(r"modulus:\n((?:\s+[0-9a-f:]+\n)+)", text).group(1)
    n = int(re.sub(r"[\s:]", "", mod), 16)
    e = int(re.search(r"publicExponent: (\d+)", text).group(1))

    def mpint(v: int) -> bytes:
        b = v.to_bytes((v.bit_length() + 8) // 8, "big")  # one spare byte keeps the sign bit clear
        b = b.lstrip(b"\0")
        if b and b[0] & 0x80:
            b = b"\0" + b
        return struct.pack(">I", len(b)) + b

    blob = struct.pack(">I", 7) + b"ssh-rsa" + mpint(e) + mpint(n)
    return "ssh-rsa " + base64.b64encode(blob).decode()


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    src = sys.argv[1]
    entries = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(os.listdir(src)):
            if not name.endswith(".key"):
                continue
            stem = name[:-4]
            meta = {}
            if os.path.exists(os.path.join(src, stem + ".json")):
                with open(os.path.join(src, stem + ".json")) as f:
                    meta = json.load(f)
            key = os.path.join(tmp, "k")
            shutil.copyfile(os.path.join(src, name), key)
            os.chmod(key, 0o600)  # ssh-keygen refuses group/world-readable private keys
            run = subprocess.run(["ssh-keygen", "-y", "-f", key], capture_output=True, text=True)
            pub = run.stdout if run.returncode == 0 else rsa_public_line(key)
            if run.returncode != 0:
                print(f"{stem}: ssh-keygen: {run.stderr.strip()}; public key taken with openssl", file=sys.stderr)
            fp, algo, bits = fingerprint(pub)
            if meta.get("pub_key") and run.returncode == 0:
                fp_json, _, _ = fingerprint(meta["pub_key"])
                if fp_json != fp:
                    # The private key is the authority (some .json copies are truncated).
                    print(f"{stem}: .json public key differs from the private key's; using the private key",
                          file=sys.stderr)
            cve = re.search(r"cve-(\d{4})-(\d{4,})", stem, re.I)
            entries.append({
                "name": stem,
                "fingerprint": fp,
                "algorithm": algo,
                "bits": bits,
                "username": meta.get("username", ""),
                "cve": f"CVE-{cve.group(1)}-{cve.group(2)}" if cve else "",
            })
    print("# Known-bad SSH keys: private keys published for products that ship them (anyone holding")
    print("# the published key logs in). SHA-256 fingerprints of the public keys, as `ssh-keygen -lf`")
    print("# prints them. Generated by scripts/derive_known_bad_ssh_keys.py from the rapid7/ssh-badkeys")
    print("# layout (../shared/corpus/data/default-creds/ssh_keys); do not edit by hand.")
    print("source: https://github.com/rapid7/ssh-badkeys")
    print("known_bad_ssh_keys:")
    for e in entries:
        print(f"  - name: {e['name']}")
        print(f"    fingerprint: '{e['fingerprint']}'")
        print(f"    algorithm: {e['algorithm']}")
        print(f"    bits: {e['bits']}")
        print(f"    username: '{e['username']}'")
        print(f"    cve: '{e['cve']}'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
