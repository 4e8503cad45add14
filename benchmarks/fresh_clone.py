"""How long a fresh clone takes to serve the playground, and what ``make run`` / ``make test``
install: ``git clone`` this repository into a temporary folder, ``make run ARGS="--no-browser
--port PORT"`` there, and poll the page until it answers (200); then stop the server, measure
``.venv`` (``du -sh``), install the test extras (``make .venv/.installed-test``: the target
that ``make test`` runs first, without running the tests) and measure ``.venv`` again.

``--no-pip-cache`` sets ``PIP_NO_CACHE_DIR=1`` (every wheel downloaded again, as on a fresh
machine); without it pip's cache may be warm from earlier installs, which makes the install
faster — the printout says which. The clone is removed afterwards.

Run ``python benchmarks/fresh_clone.py [--no-pip-cache] [--where /work]``. It prints, never
asserts; it needs the network (or pip's local indexes) and takes a few minutes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def du(path: Path) -> str:
    return subprocess.run(["du", "-sh", str(path)], capture_output=True, text=True,
                          check=True).stdout.split()[0]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return reply.status == 200 and b"<html" in reply.read(4096).lower()
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--where", type=Path, default=ROOT.parent,
                        help="folder for the temporary clone")
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--no-pip-cache", action="store_true")
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args()
    env = dict(os.environ)
    if args.no_pip_cache:
        env["PIP_NO_CACHE_DIR"] = "1"
    for name in ("VIRTUAL_ENV", "PYTHONPATH"):  # the clone's own .venv, nothing else
        env.pop(name, None)
    url = f"http://127.0.0.1:{args.port}/"
    clone = Path(tempfile.mkdtemp(prefix="neuralab-fresh-", dir=args.where))
    cache = "off (PIP_NO_CACHE_DIR=1)" if args.no_pip_cache else "as it is (maybe warm)"
    print(f"clone of {ROOT} in {clone}; pip cache {cache}; load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    try:
        start = time.perf_counter()
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone / "neuralab")],
                       check=True)
        repo = clone / "neuralab"
        server = subprocess.Popen(["make", "run", f"ARGS=--no-browser --port {args.port}"],
                                  cwd=repo, env=env, start_new_session=True)
        try:
            while not answers(url):
                if server.poll() is not None:
                    raise SystemExit(f"make run exited with status {server.returncode}")
                if time.perf_counter() - start > args.timeout:
                    raise SystemExit(f"no page at {url} after {args.timeout:.0f} s")
                time.sleep(0.5)
            to_page = time.perf_counter() - start
        finally:
            os.killpg(server.pid, signal.SIGINT)
            server.wait(timeout=30)
        run_size = du(repo / ".venv")
        start = time.perf_counter()
        subprocess.run(["make", ".venv/.installed-test"], cwd=repo, env=env, check=True)
        test_install = time.perf_counter() - start
        test_size = du(repo / ".venv")
        print(f"\ngit clone → page answers at {url}: {to_page:.0f} s (make run)")
        print(f".venv after make run:  {run_size}")
        print(f"test extras + torch:   {test_install:.0f} s more (make test's install step)")
        print(f".venv after make test: {test_size}")
        print(f"load average now: {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(clone, ignore_errors=True)


if __name__ == "__main__":
    main()
