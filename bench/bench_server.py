"""The endpoint's HTTP server against the one it replaced and the FastAPI app a user would write.

Servers, each in its own process, all serving the demo XGBoost model with the same
``Model.predict``:

* **new**: ``core.serving.server.EndpointServer`` (uvicorn, httptools, uvloop, plain ASGI);
* **old**: the standard library ``ThreadingHTTPServer`` it replaced: the engine of
  ``OLD_REVISION`` (server, payload and model code) extracted from git into a temporary
  folder;
* **fastapi**: ``bench/fastapi_app.py``, the plain FastAPI app a user would write, on
  ``uvicorn`` with its defaults (uvloop and httptools when installed); no capture.

Capture off and on (100%, the default queued mode) for new and old. Four client processes,
one keep-alive HTTP/1.1 connection each, send single-row CSV rows to one server at a time for
``--seconds``; each round visits every server, in a rotating order, and the figures are
medians over rounds (overhead per round, then the median). The load average before the run
is recorded beside the figures. Records written are counted against requests answered.

    python bench/bench_server.py [--seconds 3] [--rounds 5] [--clients 4]

Results: a table on stdout and ``bench/results/server.json``. About 2 minutes.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OLD_REVISION = "1fa86b3"  # the last revision serving endpoints with http.server
SERVERS = {"fastapi": ("fastapi", False), "old, capture off": ("old", False),
           "old, capture on": ("old", True), "new, capture off": ("new", False),
           "new, capture on": ("new", True)}  # label -> (server, capture)


# -- the servers (run as `bench_server.py --serve KIND ...` in their own process) -----------

def serve(kind: str, model_path: str, port_file: str, capture_dest: str | None) -> None:
    # The old server runs the old revision's whole engine (HTTP, payload and model code).
    sys.path.insert(0, str(Path(port_file).parent / "old" if kind == "old" else ROOT))
    if kind == "fastapi":
        _serve_fastapi(model_path, port_file)
        return
    from core.serving.config import CaptureConfig
    from core.serving.model import load_model

    model = load_model(model_path)
    capture = CaptureConfig(enable=bool(capture_dest), destination=capture_dest or "")
    from core.serving.server import EndpointServer
    server = EndpointServer("bench", model, capture).start()
    Path(port_file).write_text(str(server.port))
    stopped = []
    signal.signal(signal.SIGTERM, lambda *_: stopped.append(1))
    while not stopped:
        time.sleep(0.1)
    server.stop()


def _serve_fastapi(model_path: str, port_file: str) -> None:
    import socket

    import uvicorn

    os.environ["MODEL_PATH"] = model_path
    sock = socket.create_server(("127.0.0.1", 0))
    Path(port_file).write_text(str(sock.getsockname()[1]))
    uvicorn.Server(uvicorn.Config("bench.fastapi_app:app", log_level="warning")).run(
        sockets=[sock])


# -- the clients ------------------------------------------------------------------------------

def client_loop(commands, results, rows: list[bytes]) -> None:
    """A persistent client process: for each (label, port, seconds, start_at) it loads one
    server over one keep-alive connection and reports latencies in ms and errors."""
    for label, port, seconds, start_at in iter(commands.get, None):
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
        results.put((label, latencies, errors))


def _start(kind: str, capture: bool, model: Path, folder: Path, label: str):
    port_file = folder / f"{label.replace(', ', '-').replace(' ', '-')}.port"
    capture_dest = folder / "capture" / port_file.stem if capture else None
    command = [sys.executable, __file__, "--serve", kind, "--model", str(model),
               "--port-file", str(port_file)]
    if capture_dest:
        command += ["--capture-dest", str(capture_dest)]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not (port_file.exists() and port_file.read_text()):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"{label}: the server did not start")
        time.sleep(0.05)
    port = int(port_file.read_text())
    while time.monotonic() < deadline:  # listening and answering
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/ping")
            if conn.getresponse().status == 200:
                break
        except OSError:
            time.sleep(0.05)
    return proc, port, capture_dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--port-file", help=argparse.SUPPRESS)
    parser.add_argument("--capture-dest", help=argparse.SUPPRESS)  # capture on
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.model, args.port_file, args.capture_dest)
        return 0

    load_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"before the run: {load_before}", flush=True)
    sys.path.insert(0, str(ROOT))
    from core.demo.workspace import MODEL_TAR, TRAFFIC_CSV, create_demo_workspace

    folder = Path(tempfile.mkdtemp(prefix="bench-server-"))
    (folder / "old").mkdir()
    archive = subprocess.run(["git", "archive", OLD_REVISION, "core"], cwd=ROOT, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder / "old")], input=archive, check=True)
    demo = create_demo_workspace(folder / "demo")
    rows = [line.encode() for line in (demo / TRAFFIC_CSV).read_text().splitlines()]
    servers = {label: _start(kind, capture, demo / MODEL_TAR, folder, label)
               for label, (kind, capture) in SERVERS.items()}
    ctx = multiprocessing.get_context("spawn")
    commands, results = ctx.Queue(), ctx.Queue()
    clients = [ctx.Process(target=client_loop, args=(commands, results, rows))
               for _ in range(args.clients)]
    for proc in clients:
        proc.start()
    runs: dict[str, list[dict]] = {label: [] for label in SERVERS}
    try:
        labels = list(SERVERS)
        for round_no in range(args.rounds):
            shift = round_no % len(labels)
            for label in labels[shift:] + labels[:shift]:
                result = _load(label, servers[label], args, commands, results)
                runs[label].append(result)
                print(f"round {round_no + 1} {label:17} {result['rps']:7.0f} req/s  "
                      f"p50 {result['p50_ms']:.2f} ms  p99 {result['p99_ms']:.2f} ms  "
                      f"server CPU {result['server_cpu_us']:.0f} us/request  "
                      f"errors {result['errors']}", flush=True)
    finally:
        for _ in clients:
            commands.put(None)
        for proc in clients:
            proc.join(10)
        for proc, _, _ in servers.values():
            proc.send_signal(signal.SIGTERM)
        for proc, _, _ in servers.values():
            proc.wait(30)
    records = {label: sum(len(p.read_bytes().splitlines()) for p in dest.rglob("*.jsonl"))
               for label, (_, _, dest) in servers.items() if dest is not None}
    summary = _summarise(runs, records, load_before, args)
    out = ROOT / "bench" / "results" / "server.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"summary": summary, "runs": runs}, indent=2))
    print(_table(summary))
    return 0


def _load(label: str, server, args, commands, results) -> dict:
    import psutil

    start_at = time.time() + 0.3
    process = psutil.Process(server[0].pid)
    cpu_before = sum(process.cpu_times()[:2])
    for _ in range(args.clients):
        commands.put((label, server[1], args.seconds, start_at))
    got = [results.get(timeout=args.seconds + 60) for _ in range(args.clients)]
    cpu = sum(process.cpu_times()[:2]) - cpu_before
    latencies = sorted(x for _, lat, _ in got for x in lat)
    count = len(latencies)
    return {"requests": count, "errors": sum(e for _, _, e in got), "rps": count / args.seconds,
            "server_cpu_us": 1e6 * cpu / max(1, count),
            "p50_ms": latencies[count // 2], "p99_ms": latencies[min(count - 1,
                                                                     int(0.99 * count))]}


def _summarise(runs: dict, records: dict, load_before: str, args) -> dict:
    summary = {label: {key: statistics.median(r[key] for r in results)
                       for key in ("rps", "p50_ms", "p99_ms", "server_cpu_us")}
               for label, results in runs.items()}
    for label, results in runs.items():
        summary[label]["requests"] = sum(r["requests"] for r in results)
        summary[label]["errors"] = sum(r["errors"] for r in results)
        summary[label]["records"] = records.get(label)
        kind = label.split(",")[0]
        if label.endswith("capture on"):
            offs = runs[f"{kind}, capture off"]
            summary[label]["capture_overhead_pct"] = statistics.median(
                100.0 * (off["rps"] - on["rps"]) / off["rps"]
                for off, on in zip(offs, results, strict=True))
            summary[label]["capture_cpu_overhead_pct"] = statistics.median(
                100.0 * (on["server_cpu_us"] - off["server_cpu_us"]) / off["server_cpu_us"]
                for off, on in zip(offs, results, strict=True))
        summary[label]["vs_fastapi"] = statistics.median(
            r["rps"] / f["rps"] for r, f in zip(results, runs["fastapi"], strict=True))
    load = float(load_before.split("load average:")[1].split(",")[0])
    summary["setup"] = {"clients": args.clients, "seconds": args.seconds,
                        "rounds": args.rounds, "cpus": os.cpu_count(),
                        "uptime_before": load_before, "quiet": load < 0.5}
    return summary


def _table(s: dict) -> str:
    lines = [f"load before the run: {s['setup']['uptime_before']} "
             f"({'quiet' if s['setup']['quiet'] else 'NOT quiet'})",
             "| server | requests/s | p50 | p99 | server CPU per request | vs FastAPI | "
             "capture overhead: throughput (server CPU) | records / requests |",
             "|---|---|---|---|---|---|---|---|"]
    for label in SERVERS:
        r = s[label]
        overhead = (f"{r['capture_overhead_pct']:.1f}% ({r['capture_cpu_overhead_pct']:+.1f}% "
                    f"CPU)" if "capture_overhead_pct" in r else "—")
        records = (f"{r['records']:,} / {r['requests']:,}" if r["records"] is not None
                   else "—")
        lines.append(f"| {label} | {r['rps']:,.0f} | {r['p50_ms']:.2f} ms | "
                     f"{r['p99_ms']:.2f} ms | {r['server_cpu_us']:.0f} µs | "
                     f"{r['vs_fastapi']:.2f}x | {overhead} | {records} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
