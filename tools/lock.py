"""The lock file: the exact versions that `tools/setup.sh` installs and the test suite was run with.

    python tools/lock.py check                      # does requirements.lock cover settings.ini? (setup.sh runs it)
    python tools/lock.py write VENV_PYTHON OUT      # freeze a tested environment into a lock (refresh_lock.sh runs it)
    python tools/lock.py diff VENV_PYTHON           # the versions in an environment that differ from the lock

`settings.ini` keeps loose ranges for people who use selora as a library; the lock pins every package of the tested
environment, transitive ones included. Run with the environment's own Python: it reads requirements with the
`packaging` that pip vendors, so it needs nothing installed beyond pip.
"""
import configparser, json, re, subprocess, sys
from pathlib import Path

try: from packaging.requirements import Requirement
except ImportError: from pip._vendor.packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT/"requirements.lock"
REFRESH = "bash tools/refresh_lock.sh"

def canon(name:str)->str: return re.sub(r"[-_.]+", "-", name).lower()

def read_lock(path=LOCK)->dict:
    "{canonical name: (name, version, marker or '')} of a lock file's `name==version[; marker]` lines"
    out = {}
    for n, line in enumerate(Path(path).read_text().splitlines(), 1):
        line = line.split(" #")[0].strip()
        if not line or line.startswith("#"): continue
        req, _, marker = line.partition(";")
        name, sep, ver = req.partition("==")
        if not sep: raise SystemExit(f"{path}:{n}: {line!r} is not 'name==version': refresh the lock with `{REFRESH}`")
        out[canon(name.strip())] = (name.strip(), ver.strip(), marker.strip())
    return out

def wanted()->list:
    "The requirements settings.ini names (run and dev), as packaging Requirements"
    cfg = configparser.ConfigParser(); cfg.read(ROOT/"settings.ini")
    return [Requirement(r) for k in ("requirements", "dev_requirements") for r in cfg["DEFAULT"].get(k, "").split()]

def check(path=LOCK)->list:
    "What in settings.ini the lock does not satisfy: a package missing from it, or a version outside the range"
    if not Path(path).is_file(): return [f"{path} is missing"]
    lock, bad = read_lock(path), []
    for r in wanted():
        hit = lock.get(canon(r.name))
        if hit is None: bad.append(f"{r.name} (settings.ini asks for {r}) is not in {Path(path).name}")
        elif r.specifier and not r.specifier.contains(hit[1], prereleases=True):
            bad.append(f"{r.name}=={hit[1]} in {Path(path).name} does not satisfy settings.ini's {r}")
    return bad

def installed(python:str)->dict:
    "{canonical name: (name, version)} of what an environment holds, as pip lists it (editable installs left out)"
    out = subprocess.run([python, "-m", "pip", "list", "--format=json", "--exclude-editable"],
                         capture_output=True, text=True, check=True).stdout
    return {canon(d["name"]): (d["name"], d["version"]) for d in json.loads(out)}

def markers(python:str)->dict:
    "{canonical name: marker} for packages that the environment's packages require only under a marker (CUDA wheels)"
    code = ("import json, importlib.metadata as m\n"
            "print(json.dumps([r for d in m.distributions() for r in (d.requires or [])]))")
    reqs = [Requirement(r) for r in json.loads(subprocess.run([python, "-c", code], capture_output=True, text=True,
                                                              check=True).stdout)]
    seen = {}
    for r in reqs:
        if r.marker is not None and "extra" in str(r.marker): continue      # an optional extra: not what pulled it in
        seen.setdefault(canon(r.name), set()).add(str(r.marker) if r.marker else "")
    return {n: ms.pop() for n, ms in seen.items() if len(ms) == 1 and "" not in ms}

def write(python:str, out:str):
    "Freeze an environment into a lock: every package pinned, with the marker under which it is needed, if any"
    pkgs, mk = installed(python), markers(python)
    ver = subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], capture_output=True,
                         text=True, check=True).stdout.strip()
    lines = [f"# The environment tools/setup.sh installs: the exact versions the test suite passed with (Python {ver}).",
             f"# Written by `{REFRESH}` after the tests passed; do not edit by hand.", ""]
    lines += [f"{name}=={v}" + (f" ; {mk[k]}" if k in mk else "") for k, (name, v) in sorted(pkgs.items())]
    Path(out).write_text("\n".join(lines) + "\n")
    print(f"wrote {out}: {len(pkgs)} packages")

def diff(python:str, path=LOCK)->list:
    "'name: lock -> here' for every package whose version in the environment differs from the lock"
    lock, here = (read_lock(path) if Path(path).is_file() else {}), installed(python)   # no lock yet: all is new
    rows = [f"{here[k][0]}: {lock[k][1] if k in lock else '(not locked)'} -> {here[k][1]}"
            for k in sorted(here) if k not in lock or lock[k][1] != here[k][1]]
    return rows + [f"{lock[k][0]}: {lock[k][1]} -> (not installed)" for k in sorted(lock) if k not in here
                   and not lock[k][2]]

if __name__ == "__main__":
    cmd, *args = sys.argv[1:] or ["check"]
    if cmd == "check":
        bad = check(*args)
        if bad:
            print("FAIL: the lock file does not match settings.ini:\n  " + "\n  ".join(bad)
                  + f"\nRefresh it with `{REFRESH}` (it resolves afresh, runs the tests and writes the lock if they "
                  "pass).", file=sys.stderr)
            sys.exit(2)
    elif cmd == "write": write(*args)
    elif cmd == "diff": print("\n".join(diff(*args)) or "the environment matches the lock")
    else: raise SystemExit(__doc__)
