"""Monitoring benchmark: one execution over 1M capture records (20 columns), end to end, next to
Evidently's data drift report on the same data, measured side by side in the same run.

    .venv/bin/python bench/bench_monitor.py [--rows 1000000] [--reference-rows 200000] [--rounds 1]

Data is generated deterministically into bench/data/monitor/ (kept between runs); Evidently is
installed into bench/data/venv-peers/ when absent. Results go to bench/results/monitor.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
DATA = BENCH / "data" / "monitor"
RESULTS = BENCH / "results"
PEER_VENV = BENCH / "data" / "venv-peers"
EVIDENTLY = ("evidently==0.7.23", "pandas<3")  # 0.7 imports a helper pandas 3 removed
WINDOW_END = datetime(2024, 6, 1, 13, tzinfo=UTC)
RECORDS_PER_FILE = 20_000
_RECORD = ('{"captureData":{"endpointInput":{"observedContentType":"text/csv","mode":"INPUT",'
           '"data":"%s","encoding":"CSV"},"endpointOutput":{"observedContentType":'
           '"text/csv; charset=utf-8","mode":"OUTPUT","data":"%s","encoding":"CSV"}},'
           '"eventMetadata":{"eventId":"%s","inferenceTime":"%s"},"eventVersion":"0"}\n')


def table(rows: int, seed: int, drift: bool) -> pd.DataFrame:
    """Churn-like: a score (the model output), 12 float, 4 int, 3 categorical columns (3/12/50
    levels), about 1% missing. ``drift`` shifts two floats and one category mix."""
    rng = np.random.default_rng(seed)
    cols: dict[str, object] = {"score": rng.beta(2, 5, rows)}
    for i in range(12):
        shift = 0.4 if drift and i in (0, 5) else 0.0
        cols[f"f{i}"] = rng.normal(10 * (i + 1) + shift * 10 * (i + 1) / 5, (i + 1) * 2, rows)
    for i in range(4):
        cols[f"n{i}"] = pd.array(rng.poisson(3 + i * 5, rows), dtype="Int64")
    for i, levels in enumerate((3, 12, 50)):
        weights = np.arange(levels, 0, -1, dtype=float)
        if drift and i == 1:
            weights = weights[::-1].copy()
        values = np.array([f"L{i}_{j}" for j in range(levels)])
        cols[f"c{i}"] = values[rng.choice(levels, rows, p=weights / weights.sum())]
    frame = pd.DataFrame(cols)
    for name in frame.columns[1:]:
        mask = rng.random(rows) < 0.01
        frame[name] = frame[name].mask(mask)
    return frame


def generate(rows: int, reference_rows: int) -> dict[str, Path]:
    """Write reference.csv, current.csv and the capture folder (once per size)."""
    folder = DATA / f"{rows}-{reference_rows}"
    paths = {"reference": folder / "reference.csv", "current": folder / "current.csv",
             "capture": folder / "capture"}
    if (folder / "done").exists():
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    table(reference_rows, 1, False).to_csv(paths["reference"], index=False, float_format="%.3f")
    current = table(rows, 2, True)
    current.to_csv(paths["current"], index=False, float_format="%.3f")
    lines = current.to_csv(index=False, header=False, float_format="%.3f").splitlines()
    _write_capture(paths["capture"], lines)
    (folder / "done").write_text("ok")
    return paths


def _write_capture(root: Path, lines: list[str]) -> None:
    start = WINDOW_END - timedelta(hours=1)
    step = 3599.0 / len(lines)
    handle = None
    for i, line in enumerate(lines):
        when = start + timedelta(seconds=i * step)
        if i % RECORDS_PER_FILE == 0:
            if handle:
                handle.close()
            path = root / "bench-ep" / "AllTraffic" / when.strftime("%Y/%m/%d/%H") / (
                f"{when:%M-%S}-{when.microsecond // 1000:03d}-{i:036d}.jsonl")
            path.parent.mkdir(parents=True, exist_ok=True)
            handle = path.open("w", encoding="utf-8")
        score, _, inputs = line.partition(",")
        handle.write(_RECORD % (inputs, score, f"{i:08x}-0000-4000-8000-{i:012x}",
                                when.strftime("%Y-%m-%dT%H:%M:%SZ")))
    if handle:
        handle.close()


def timed(cmd: list[str], label: str) -> dict:
    """Wall time and peak RSS of one process (GNU time), with its last output lines."""
    with tempfile.NamedTemporaryFile(suffix=".time") as stamp:
        started = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", stamp.name, *cmd],
                              cwd=PROJECT, capture_output=True, text=True)
        wall = time.perf_counter() - started
        fields = Path(stamp.name).read_text().split()
    if proc.returncode not in (0,):
        raise SystemExit(f"{label} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return {"label": label, "wall_s": round(wall, 2),
            "cpu_s": round(float(fields[-3]) + float(fields[-2]), 2),
            "peak_rss_mb": round(int(fields[-1]) / 1024),
            "output": proc.stdout.strip().splitlines()[-3:]}


def ensure_evidently() -> Path | None:
    python = PEER_VENV / "bin" / "python"
    probe = [str(python), "-c", "from evidently.presets import DataDriftPreset"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    try:
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *EVIDENTLY], check=True)
    except (subprocess.CalledProcessError, OSError) as error:
        print(f"Evidently could not be installed ({error}); running without the peer.")
        return None
    return python


EVIDENTLY_SCRIPT = """
import sys, time, pandas as pd
t0 = time.perf_counter()
from evidently import Report
from evidently.presets import DataDriftPreset
ref = pd.read_csv(sys.argv[1]); cur = pd.read_csv(sys.argv[2])
t1 = time.perf_counter()
snapshot = Report([DataDriftPreset()]).run(current_data=cur, reference_data=ref)
snapshot.save_json(sys.argv[3])
t2 = time.perf_counter()
print(f"read {t1 - t0:.2f} s, drift report {t2 - t1:.2f} s")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reference-rows", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    paths = generate(args.rows, args.reference_rows)
    print(f"data ready in {time.perf_counter() - t0:.1f} s: {paths['capture']}")
    work = Path(tempfile.mkdtemp(prefix="bench-monitor-"))
    python = sys.executable
    baseline = timed([python, "main.py", "baseline", "--dataset", str(paths["reference"]),
                      "--output", str(work / "baseline")], "baseline of the reference")
    peer = ensure_evidently()
    start = (WINDOW_END - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    monitor_cmd = [python, "main.py", "monitor", "--capture", str(paths["capture"]),
                   "--statistics", str(work / "baseline" / "statistics.json"),
                   "--constraints", str(work / "baseline" / "constraints.json"),
                   "--output", str(work / "reports"), "--endpoint", "bench-ep",
                   "--schedule", "bench", "--start", start,
                   "--end", WINDOW_END.strftime("%Y-%m-%dT%H:%M:%SZ")]
    dataset_cmd = [*monitor_cmd[:3], "--dataset", str(paths["current"]), *monitor_cmd[5:9],
                   "--output", str(work / "reports-csv"), "--schedule", "bench-csv",
                   "--end", WINDOW_END.strftime("%Y-%m-%dT%H:%M:%SZ")]
    read_cmd = [python, "-c", "import sys, pyarrow.csv as c; c.read_csv(sys.argv[1])",
                str(paths["current"])]
    rounds = []
    for _ in range(args.rounds):
        # ours runs before and after the (long) peer, so both see the same machine load
        entry = {"ours": timed(monitor_cmd, "monitoring execution"),
                 "ours_csv": timed(dataset_cmd, "monitoring execution, current.csv input"),
                 "pyarrow_read": timed(read_cmd, "pyarrow read of current.csv")}
        if peer:
            entry["evidently"] = timed([str(peer), "-c", EVIDENTLY_SCRIPT,
                                        str(paths["reference"]), str(paths["current"]),
                                        str(work / "evidently.json")], "Evidently data drift")
        rounds.append(entry)
        rounds.append({"ours": timed(monitor_cmd, "monitoring execution"),
                       "ours_csv": timed(dataset_cmd, "monitoring execution, current.csv input")})
    summary = _summary(args, baseline, rounds)
    (RESULTS / "monitor.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))


def _summary(args, baseline: dict, rounds: list[dict]) -> dict:
    best = {k: min((r[k] for r in rounds if k in r), key=lambda t: t["wall_s"])
            for k in rounds[0]}
    out = {"rows": args.rows, "reference_rows": args.reference_rows, "rounds": len(rounds),
           "cores": os.cpu_count(), "baseline": baseline, "best": best}
    if "evidently" in best:
        for key in ("wall_s", "cpu_s"):
            out[f"speedup_vs_evidently_{key}"] = round(
                best["evidently"][key] / best["ours"][key], 1)
    if "evidently" in best:
        out["speedup_vs_evidently_same_csv"] = round(
            best["evidently"]["wall_s"] / best["ours_csv"]["wall_s"], 1)
    out["x_pyarrow_read"] = round(best["ours"]["wall_s"] / best["pyarrow_read"]["wall_s"], 1)
    return out


if __name__ == "__main__":
    main()
