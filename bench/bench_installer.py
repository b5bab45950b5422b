"""Installer figures: build time, .deb size, unpacked size, the frozen app's start-up to a shown
window (against the same app from source) and its self-test time.

Run: ``.venv/bin/python bench/bench_installer.py`` (a few minutes: one full build in a fresh
build folder). Start-up is timed under Xvfb as a user sees it: from spawning the process until
X reports the main window viewable. Results go to ``bench/results/installer.json`` and are
printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "packaging"))
import build_deb  # noqa: E402

RESULTS = ROOT / "bench" / "results"
WINDOW_TITLE = "Model Monitor Desktop"
STARTUP_RUNS = 5
STARTUP_TIMEOUT_S = 60


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true",
                        help="time a rebuild that reuses build/ instead of a fresh build folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-installer-") as tmp:
        tmp = Path(tmp)
        build_dir = ROOT / "build" if args.reuse else tmp / "build"
        started = time.perf_counter()
        build_deb.freeze(build_dir / "pyinstaller")
        frozen = time.perf_counter()
        deb = build_deb.build(tmp / "out", build_dir, freeze_app=False)
        packed = time.perf_counter()
        root = tmp / "root"
        subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
        launcher = root / "usr" / "bin" / build_deb.PACKAGE
        results = {
            "freeze_s": round(frozen - started, 1),
            "package_s": round(packed - frozen, 1),
            "build_folder": "reused" if args.reuse else "fresh",
            "deb_mb": round(deb.stat().st_size / 1e6, 1),
            "unpacked_mb": round(_tree_bytes(root) / 1e6, 1),
            "files": sum(1 for p in root.rglob("*") if p.is_file()),
            **_self_test(launcher, tmp),
            **_startup(launcher, tmp),
        }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "installer.json").write_text(json.dumps(results, indent=2) + "\n")
    print(_table(results))
    return 0


def _tree_bytes(root: Path) -> int:
    return sum(p.lstat().st_size for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _self_test(launcher: Path, tmp: Path) -> dict[str, float]:
    started = time.perf_counter()
    result = subprocess.run([str(launcher), "--self-test"], cwd=tmp, env=_clean_env(tmp),
                            capture_output=True, text=True, timeout=300)
    seconds = round(time.perf_counter() - started, 2)
    print(result.stdout, file=sys.stderr)
    if result.returncode != 0:
        raise RuntimeError(f"the installed app's self-test failed:\n{result.stdout}")
    # "OK   main window shown: 4 tabs, 1.28 s after process start (0.28 s)"
    shown = next(line for line in result.stdout.splitlines() if "main window shown" in line)
    offscreen = float(shown.split(" s after process start")[0].rsplit(" ", 1)[1])
    return {"self_test_s": seconds, "shown_offscreen_frozen_s": offscreen}


def _startup(launcher: Path, tmp: Path) -> dict[str, float]:
    """Median seconds from spawn to a viewable main window, frozen and from source."""
    missing = [tool for tool in ("Xvfb", "xwininfo") if shutil.which(tool) is None]
    if missing:
        print(f"Start-up under Xvfb not measured: {', '.join(missing)} missing "
              f"(Debian packages xvfb, x11-utils).", file=sys.stderr)
        return {"startup_frozen_s": None, "startup_source_s": None}
    xvfb, display = _start_xvfb()
    try:
        frozen = [_time_to_window([str(launcher)], display, tmp) for _ in range(STARTUP_RUNS)]
        source = [_time_to_window([sys.executable, str(ROOT / "main.py")], display, tmp)
                  for _ in range(STARTUP_RUNS)]
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)
    return {"startup_frozen_s": round(statistics.median(frozen), 2),
            "startup_source_s": round(statistics.median(source), 2)}


def _time_to_window(command: list[str], display: str, tmp: Path) -> float:
    home = Path(tempfile.mkdtemp(dir=tmp))  # no remembered workspace: the first-run window
    env = {**_clean_env(home), "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    started = time.perf_counter()
    log = (tmp / "startup.log").open("w")
    app = subprocess.Popen(command, cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        while time.perf_counter() - started < STARTUP_TIMEOUT_S:
            if _window_viewable(display):
                return time.perf_counter() - started
            if app.poll() is not None:
                raise RuntimeError(f"{command[0]} exited with {app.returncode} before its "
                                   f"window:\n{(tmp / 'startup.log').read_text()[-3000:]}")
            time.sleep(0.02)
        raise RuntimeError(f"no window from {command[0]} after {STARTUP_TIMEOUT_S} s")
    finally:
        app.terminate()
        try:
            app.wait(timeout=10)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait()
        log.close()
        shutil.rmtree(home, ignore_errors=True)


def _window_viewable(display: str) -> bool:
    tree = subprocess.run(["xwininfo", "-display", display, "-root", "-tree"],
                          capture_output=True, text=True).stdout
    for line in tree.splitlines():
        if f'"{WINDOW_TITLE}' in line:
            info = subprocess.run(["xwininfo", "-display", display, "-id", line.split()[0]],
                                  capture_output=True, text=True).stdout
            if "IsViewable" in info:
                return True
    return False


def _start_xvfb() -> tuple[subprocess.Popen, str]:
    """An Xvfb on a display number it picks itself (others may be running their own)."""
    read_end, write_end = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0",
                             "1600x1000x24", "-nolisten", "tcp"], pass_fds=(write_end,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    with os.fdopen(read_end) as reader:
        number = reader.readline().strip()
    if not number:
        raise RuntimeError("Xvfb did not start")
    return xvfb, f":{number}"


def _clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    env["HOME"] = str(home)
    return env


def _table(r: dict) -> str:
    def seconds(value: float | None) -> str:
        return "not measured (needs Xvfb and xwininfo)" if value is None else f"{value} s"

    rows = [
        (f"PyInstaller, {r['build_folder']} build folder", f"{r['freeze_s']} s"),
        ("staging + `dpkg-deb -Zgzip -z6`", f"{r['package_s']} s"),
        (".deb size (gzip -6)", f"{r['deb_mb']} MB"),
        ("installed size", f"{r['unpacked_mb']} MB in {r['files']} files"),
        ("start-up to a shown window, frozen (median of 5, Xvfb)", seconds(r["startup_frozen_s"])),
        ("start-up to a shown window, from source (same run)", seconds(r["startup_source_s"])),
        ("process start to shown window, frozen, offscreen (self-test)",
         f"{r['shown_offscreen_frozen_s']} s"),
        ("`--self-test` of the installed app, wall time", f"{r['self_test_s']} s"),
    ]
    return "| measure | value |\n|---|---|\n" + "\n".join(f"| {a} | {b} |" for a, b in rows)


if __name__ == "__main__":
    sys.exit(main())
