"""Run every benchmark in this folder (``bench/bench_*.py``) one after another.

    .venv/bin/python bench/run_all.py [NAME ...]    # e.g. run_all.py baseline monitor

Each benchmark prints its own figures and writes bench/results/<name>.json; this runner only
reports which ones finished.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def main(selected: list[str]) -> int:
    scripts = sorted(BENCH.glob("bench_*.py"))
    if selected:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in selected]
    failed = []
    for script in scripts:
        print(f"== {script.name}", flush=True)
        started = time.perf_counter()
        code = subprocess.run([sys.executable, str(script)], cwd=BENCH.parent).returncode
        print(f"== {script.name}: {'ok' if code == 0 else f'exit {code}'} "
              f"in {time.perf_counter() - started:.0f} s", flush=True)
        if code:
            failed.append(script.name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
