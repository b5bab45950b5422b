"""Baseline benchmark: ``main.py baseline`` on a churn-like CSV, next to a bare pyarrow read and
the profilers a user would pick instead (pandas read + describe, whylogs), side by side.

    .venv/bin/python bench/bench_baseline.py [--rows 1000000] [--memory-rows 5000000]
                                             [--rounds 3] [--no-peers]

Every case is a whole process, timed from outside (wall clock, CPU and peak RSS from
``os.wait4``); rounds alternate the order so a noisy machine hurts every case alike. Data goes
to bench/data/baseline/ (kept between runs); whylogs is installed into
bench/data/venv-whylogs/ when absent. Results go to bench/results/baseline.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
DATA = BENCH / "data" / "baseline"
RESULTS = BENCH / "results"
WHYLOGS_VENV = BENCH / "data" / "venv-whylogs"
WHYLOGS = ("whylogs==1.6.4", "pandas<3", "pyarrow")

sys.path.insert(0, str(BENCH))
from gen_churnlike import generate  # noqa: E402


def dataset(rows: int) -> Path:
    path = DATA / f"churnlike-{rows}.csv"
    if not path.exists():
        print(f"generating {path.name} ...", flush=True)
        generate(rows, path)
    return path


def whylogs_python() -> Path | None:
    """The peer venv's python with whylogs, installing it on first use; None if impossible."""
    python = WHYLOGS_VENV / "bin" / "python"
    if python.exists() and _imports(python, "whylogs"):
        return python
    try:
        subprocess.run([sys.executable, "-m", "venv", str(WHYLOGS_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *WHYLOGS], check=True,
                       timeout=900)
    except (subprocess.SubprocessError, OSError) as error:
        print(f"whylogs could not be installed: {error}", flush=True)
        return None
    return python if _imports(python, "whylogs") else None


def cases(csv: Path, out: Path, peers: bool) -> dict[str, list[str]]:
    py = str(PROJECT / ".venv" / "bin" / "python")
    found = {
        "ours: main.py baseline": [py, str(PROJECT / "main.py"), "baseline", "--dataset",
                                   str(csv), "--output", str(out)],
        "pyarrow read_csv (multi-threaded)": [
            py, "-c", f"import pyarrow.csv as c; c.read_csv({str(csv)!r})"],
    }
    if peers:
        found["pandas read_csv + describe"] = [
            py, "-c", "import pandas as pd; "
                      f"pd.read_csv({str(csv)!r}).describe(include='all')"]
        why = whylogs_python()
        if why is not None:
            found["whylogs 1.6 why.log"] = [
                str(why), "-c", "import pandas as pd, whylogs as why; "
                                f"why.log(pd.read_csv({str(csv)!r})).view()"]
    return found


def measure(command: list[str]) -> dict:
    """Run one process; wall seconds, CPU seconds and peak RSS (MB) of that process alone."""
    env = {**os.environ, "WHYLOGS_NO_ANALYTICS": "True", "QT_QPA_PLATFORM": "offscreen"}
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    error = process.stderr.read().decode(errors="replace")[-400:] if process.stderr else ""
    if status != 0:
        raise RuntimeError(f"{command[:3]} failed: {error}")
    return {"wall_s": round(wall, 3), "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


def run_rounds(named: dict[str, list[str]], rounds: int) -> dict[str, list[dict]]:
    results: dict[str, list[dict]] = {name: [] for name in named}
    for round_index in range(rounds):
        order = list(named) if round_index % 2 == 0 else list(reversed(named))
        for name in order:
            results[name].append(measure(named[name]))
            print(f"  round {round_index + 1}: {name}: {results[name][-1]}", flush=True)
    return results


def summarise(results: dict[str, list[dict]], reference: str) -> list[dict]:
    rows = []
    for name, runs in results.items():
        ratios = [run["wall_s"] / ref["wall_s"] for run, ref in zip(runs, results[reference])]
        rows.append({"case": name,
                     "wall_s": statistics.median(r["wall_s"] for r in runs),
                     "cpu_s": statistics.median(r["cpu_s"] for r in runs),
                     "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
                     "x_pyarrow_read": round(statistics.median(ratios), 2)})
    return rows


def markdown(title: str, rows: list[dict]) -> str:
    lines = [f"**{title}**", "", "| case | wall (median) | CPU | x pyarrow read (paired) | "
             "peak RSS |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['case']} | {r['wall_s']:.2f} s | {r['cpu_s']:.2f} s | "
                     f"{r['x_pyarrow_read']:.2f}x | {r['peak_rss_mb']:.0f} MB |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--memory-rows", type=int, default=5_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-peers", action="store_true")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    report: dict = {"machine": {"cpus": os.cpu_count()}}
    with tempfile.TemporaryDirectory() as tmp:
        csv = dataset(args.rows)
        print(f"speed: {csv.name} ({csv.stat().st_size / 1e6:.0f} MB)", flush=True)
        speed = run_rounds(cases(csv, Path(tmp) / "speed", not args.no_peers), args.rounds)
        report["speed"] = summarise(speed, "pyarrow read_csv (multi-threaded)")
        big = dataset(args.memory_rows)
        print(f"memory: {big.name} ({big.stat().st_size / 1e6:.0f} MB)", flush=True)
        memory = run_rounds(cases(big, Path(tmp) / "memory", False), 1)
        report["memory"] = summarise(memory, "pyarrow read_csv (multi-threaded)")
    (RESULTS / "baseline.json").write_text(json.dumps(report, indent=2))
    print(markdown(f"{args.rows:,} rows", report["speed"]))
    print()
    print(markdown(f"{args.memory_rows:,} rows (memory)", report["memory"]))


def _imports(python: Path, module: str) -> bool:
    return subprocess.run([str(python), "-c", f"import {module}"],
                          capture_output=True).returncode == 0


if __name__ == "__main__":
    main()
