"""Endpoint throughput and latency with data capture at 100% versus off, in the same run.

Three endpoint processes serve the demo model (``deploy_local``): capture off, capture 100%
(records queued and written by the writer thread) and capture 100% with ``sync_capture``
(answered only once written). Each round loads the three one after the other, in a rotating
order, for a few seconds each, from client processes (one keep-alive HTTP connection each,
single-row CSV requests). The machine is noisy, so the overhead is computed per round (the
same minute for all three) and the median over rounds is reported, next to median
throughput and latency. (Loading all three at once was tried and rejected: the kernel's
per-thread scheduling then decides the figures, not the cost of capture.)

    python bench/bench_endpoint.py [--seconds 3] [--rounds 7] [--clients 4]

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

from core.demo.workspace import MODEL_TAR, TRAFFIC_CSV, create_demo_workspace  # noqa: E402
from core.serving.lifecycle import CaptureConfig, deploy_local, undeploy  # noqa: E402
from core.workspace.store import Workspace  # noqa: E402

CONFIGS = {"capture off": (False, False), "capture 100%": (True, False),
           "capture 100%, sync": (True, True)}  # label -> (capture on, sync_capture)


def client(label: str, port: int, rows: list[bytes], seconds: float, start_at: float,
           out) -> None:
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
    out.put((label, latencies, errors))


def load_round(endpoints: dict, rows: list[bytes], clients: int, seconds: float) -> dict:
    """Load the given endpoints; per endpoint: requests/s, p50 and p99 latency."""
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    start_at = time.time() + 1.5  # all clients start together, after their imports
    procs = [ctx.Process(target=client, args=(label, rec.port, rows, seconds, start_at, out))
             for label, rec in endpoints.items() for _ in range(clients)]
    for proc in procs:
        proc.start()
    results = [out.get(timeout=seconds + 60) for _ in procs]
    for proc in procs:
        proc.join()
    summary = {}
    for label in endpoints:
        latencies = sorted(x for lab, lat, _ in results if lab == label for x in lat)
        count = len(latencies)
        summary[label] = {
            "requests": count, "errors": sum(e for lab, _, e in results if lab == label),
            "rps": count / seconds, "p50_ms": latencies[count // 2],
            "p99_ms": latencies[min(count - 1, int(0.99 * count))]}
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="bench-endpoint-"))
    demo = create_demo_workspace(folder / "demo")
    rows = [line.encode() for line in (demo / TRAFFIC_CSV).read_text().splitlines()]
    runs: dict[str, list[dict]] = {label: [] for label in CONFIGS}
    with Workspace.open(folder / "ws") as ws:
        endpoints = {label: deploy_local(ws, f"bench-{i}", demo / MODEL_TAR,
                                         CaptureConfig(enable=on), sync_capture=sync)
                     for i, (label, (on, sync)) in enumerate(CONFIGS.items())}
        try:
            labels = list(endpoints)
            for round_no in range(args.rounds):
                shift = round_no % len(labels)  # rotate, so no endpoint always goes first
                for label in labels[shift:] + labels[:shift]:
                    result = load_round({label: endpoints[label]}, rows, args.clients,
                                        args.seconds)[label]
                    runs[label].append(result)
                    print(f"round {round_no + 1} {label:19} {result['rps']:7.0f} req/s  "
                          f"p50 {result['p50_ms']:.2f} ms  p99 {result['p99_ms']:.2f} ms  "
                          f"errors {result['errors']}", flush=True)
        finally:
            for record in endpoints.values():
                undeploy(ws, record.name)
        captured = {label: sum(len(p.read_bytes().splitlines())
                               for p in (ws.capture_dir / rec.name).rglob("*.jsonl"))
                    for label, rec in endpoints.items()}
    summary = _summarise(runs, captured, args)
    out = ROOT / "bench" / "results" / "endpoint.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"summary": summary, "runs": runs}, indent=2))
    print(_table(summary))
    return 0


def _summarise(runs: dict[str, list[dict]], captured: dict, args) -> dict:
    summary = {label: {key: statistics.median(r[key] for r in results)
                       for key in ("rps", "p50_ms", "p99_ms")}
               for label, results in runs.items()}
    for label in CONFIGS:
        # The overhead of each round (same seconds, same noise), then the median of those.
        summary[label]["overhead_pct"] = statistics.median(
            100.0 * (off["rps"] - on["rps"]) / off["rps"]
            for off, on in zip(runs["capture off"], runs[label], strict=True))
        summary[label]["requests"] = sum(r["requests"] for r in runs[label])
        summary[label]["records"] = captured[label]
    summary["setup"] = {"clients_per_endpoint": args.clients, "seconds": args.seconds,
                        "rounds": args.rounds, "cpus": os.cpu_count()}
    return summary


def _table(s: dict) -> str:
    lines = ["| endpoint | requests/s | p50 | p99 | throughput overhead | records / requests |",
             "|---|---|---|---|---|---|"]
    for label in CONFIGS:
        r = s[label]
        lines.append(f"| {label} | {r['rps']:,.0f} | {r['p50_ms']:.2f} ms | "
                     f"{r['p99_ms']:.2f} ms | "
                     f"{r['overhead_pct']:.1f}% | {r['records']:,} / {r['requests']:,} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
