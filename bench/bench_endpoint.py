"""Endpoint throughput and latency with data capture at 100% versus off, in the same run.

Three endpoint processes serve the demo model side by side (``deploy_local``): capture off,
capture 100% (records queued, written by the writer thread) and capture 100% with
``sync_capture`` (answer only once written). Client processes (one keep-alive HTTP connection
each) send single-row CSV requests for a fixed time to one endpoint after the other, in a
rotating order, so machine noise hits all alike; figures are medians over the rounds.

    python bench/bench_endpoint.py [--seconds 5] [--rounds 3] [--clients 4]

Results: a table on stdout and ``bench/results/endpoint.json``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.demo import MODEL_TAR, TRAFFIC_CSV, create_demo_workspace  # noqa: E402
from core.serving.lifecycle import CaptureConfig, deploy_local, undeploy  # noqa: E402
from core.workspace import Workspace  # noqa: E402


def client(port: int, rows: list[bytes], seconds: float, start_at: float, out) -> None:
    """One keep-alive client: send until the deadline, report latencies (ms) and errors."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "text/csv"}
    latencies, errors, i = [], 0, 0
    time.sleep(max(0.0, start_at - time.time()))
    deadline = time.perf_counter() + seconds
    while (now := time.perf_counter()) < deadline:
        conn.request("POST", "/invocations", body=rows[i % len(rows)], headers=headers)
        response = conn.getresponse()
        response.read()
        latencies.append((time.perf_counter() - now) * 1000.0)
        errors += response.status != 200
        i += 1
    conn.close()
    out.put((latencies, errors))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its threads (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(port: int, pid: int, rows: list[bytes], clients: int, seconds: float) -> dict:
    """Run ``clients`` client processes against ``port``; requests/s, latency percentiles and
    the server's CPU time per request (robust to noise from other processes)."""
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    start_at = time.time() + 1.0  # all clients start together, after their imports
    procs = [ctx.Process(target=client, args=(port, rows, seconds, start_at, out))
             for _ in range(clients)]
    for proc in procs:
        proc.start()
    cpu_before = cpu_seconds(pid)
    results = [out.get(timeout=seconds + 60) for _ in procs]
    cpu = cpu_seconds(pid) - cpu_before
    for proc in procs:
        proc.join()
    latencies = sorted(x for lat, _ in results for x in lat)
    errors = sum(e for _, e in results)

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]

    return {"requests": len(latencies), "errors": errors,
            "rps": len(latencies) / seconds, "p50_ms": pct(50), "p99_ms": pct(99),
            "server_cpu_us": 1e6 * cpu / max(1, len(latencies))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="bench-endpoint-"))
    demo = create_demo_workspace(folder / "demo")
    rows = [line.encode() for line in (demo / TRAFFIC_CSV).read_text().splitlines()]
    on = CaptureConfig(enable=True, sampling_percentage=100)
    configs = {"capture off": (CaptureConfig(enable=False), False),
               "capture 100%": (on, False),
               "capture 100%, sync": (on, True)}
    runs: dict[str, list[dict]] = {label: [] for label in configs}
    with Workspace.open(folder / "ws") as ws:
        endpoints = {label: deploy_local(ws, f"bench-{i}", demo / MODEL_TAR, cfg,
                                         sync_capture=sync)
                     for i, (label, (cfg, sync)) in enumerate(configs.items())}
        try:
            for round_no in range(args.rounds):
                labels = list(configs)  # rotate, so no endpoint always goes first
                order = labels[round_no % 3:] + labels[:round_no % 3]
                for label in order:
                    result = load(endpoints[label].port, endpoints[label].pid, rows,
                                  args.clients, args.seconds)
                    runs[label].append(result)
                    print(f"round {round_no + 1} {label:19} {result['rps']:7.0f} req/s  "
                          f"p50 {result['p50_ms']:.2f} ms  p99 {result['p99_ms']:.2f} ms  "
                          f"server CPU {result['server_cpu_us']:.0f} us/request  "
                          f"errors {result['errors']}", flush=True)
        finally:
            for record in endpoints.values():
                undeploy(ws, record.name)
        captured = sum(len(p.read_bytes().splitlines())
                       for p in (ws.capture_dir / "bench-1").rglob("*.jsonl"))
    summary = _summarise(runs, captured, args)
    out = ROOT / "bench" / "results" / "endpoint.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"summary": summary, "runs": runs}, indent=2))
    print(_table(summary))
    return 0


def _summarise(runs: dict[str, list[dict]], captured: int, args) -> dict:
    summary = {label: {key: statistics.median(r[key] for r in results)
                       for key in ("rps", "p50_ms", "p99_ms", "server_cpu_us")}
               for label, results in runs.items()}
    sent_with_capture = sum(r["requests"] for r in runs["capture 100%"])
    off = summary["capture off"]["rps"]
    summary["capture_overhead_pct"] = 100.0 * (off - summary["capture 100%"]["rps"]) / off
    summary["sync_capture_overhead_pct"] = (
        100.0 * (off - summary["capture 100%, sync"]["rps"]) / off)
    summary["records_captured"] = captured
    summary["requests_to_capturing_endpoint"] = sent_with_capture
    summary["setup"] = {"clients": args.clients, "seconds": args.seconds,
                        "rounds": args.rounds}
    return summary


def _table(s: dict) -> str:
    lines = ["| endpoint | requests/s | p50 | p99 | server CPU per request |",
             "|---|---|---|---|---|"]
    for label in ("capture off", "capture 100%", "capture 100%, sync"):
        r = s[label]
        lines.append(f"| {label} | {r['rps']:,.0f} | {r['p50_ms']:.2f} ms | "
                     f"{r['p99_ms']:.2f} ms | {r['server_cpu_us']:.0f} µs |")
    lines.append(f"\ncapture overhead: {s['capture_overhead_pct']:.1f}% of throughput "
                 f"({s['sync_capture_overhead_pct']:.1f}% with sync capture); "
                 f"{s['records_captured']:,} records captured for "
                 f"{s['requests_to_capturing_endpoint']:,} requests")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
