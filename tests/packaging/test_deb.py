"""The Linux installer: build the .deb, check its metadata and files, unpack it with
``dpkg -x`` into a temporary root and run the installed launcher's ``--self-test``."""

from __future__ import annotations

import configparser
import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT
from tests.packaging.self_test_output import assert_self_test_output

PACKAGE = "model-monitor-desktop"
QT_SYSTEM_LIBS = ("libegl1", "libgl1", "libfontconfig1", "libxkbcommon-x11-0", "libxcb-cursor0")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


def _run_root(tmp_path_factory) -> Path:
    """A folder every xdist worker of this pytest run shares (and no other run does)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="module")
def deb(tmp_path_factory) -> Path:
    """The .deb, built once per pytest run: whichever worker comes first builds it under an
    exclusive file lock, the others wait on the lock and reuse the package (PyInstaller plus
    dpkg-deb take minutes, and two builds at once double that)."""
    shared = _run_root(tmp_path_factory) / "installer"
    shared.mkdir(exist_ok=True)
    with open(shared / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = sorted(shared.glob(f"{PACKAGE}_*.deb"))
        if not found:
            # A private build folder: two test runs in one checkout must not share PyInstaller's.
            build = shared / "build"
            subprocess.run([sys.executable, "packaging/build_deb.py", "--out", str(shared),
                            "--build-dir", str(build)], cwd=PROJECT_ROOT, check=True,
                           timeout=1100)
            shutil.rmtree(build)  # about 1 GB of PyInstaller output
            with open(shared / "builds.log", "a") as log:
                log.write(f"built by {os.environ.get('PYTEST_XDIST_WORKER', 'main')}\n")
            found = sorted(shared.glob(f"{PACKAGE}_*.deb"))
    (deb,) = found
    return deb


def test_the_installer_is_built_once_per_run(deb, tmp_path_factory):
    builds = (_run_root(tmp_path_factory) / "installer" / "builds.log").read_text().splitlines()
    assert len(builds) == 1, builds


@pytest.fixture(scope="module")
def root(deb, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("root")
    subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
    return root


def dpkg_deb(*args: str) -> str:
    return subprocess.run(["dpkg-deb", *args], check=True, capture_output=True, text=True).stdout


def test_control_fields(deb):
    fields = dict(line.split(": ", 1) for line in
                  dpkg_deb("-f", str(deb), "Package", "Version", "Architecture",
                           "Depends").splitlines())
    assert fields["Package"] == PACKAGE
    assert fields["Version"] == "0.1.0"
    assert fields["Architecture"] == "amd64"
    depends = [d.strip() for d in fields["Depends"].split(",")]
    assert set(QT_SYSTEM_LIBS) <= set(depends)
    assert "Installed-Size" in dpkg_deb("-I", str(deb))


def test_files_go_under_opt_with_launcher_entry_and_icon(deb):
    listing = dpkg_deb("-c", str(deb))
    entries = {line.split()[5]: line for line in listing.splitlines()}
    assert f"./opt/{PACKAGE}/{PACKAGE}" in entries
    assert f"./opt/{PACKAGE}/_internal/resources/icons/app.svg" in entries
    launcher = entries[f"./usr/bin/{PACKAGE}"]
    assert launcher.startswith("l") and f"-> ../../opt/{PACKAGE}/{PACKAGE}" in launcher
    assert f"./usr/share/applications/{PACKAGE}.desktop" in entries
    assert f"./usr/share/icons/hicolor/scalable/apps/{PACKAGE}.svg" in entries
    # Only system folders and our own: a clean `dpkg -r` leaves nothing behind.
    tops = {path.split("/")[1] for path in entries if path.count("/") > 1}
    assert tops <= {"opt", "usr"}
    assert all(" root/root " in line for line in listing.splitlines())


def test_every_link_in_the_package_resolves(root):
    links = [p for p in root.rglob("*") if p.is_symlink()]
    assert links, "expected at least the launcher link"
    dangling = [str(p.relative_to(root)) for p in links if not p.exists()]
    assert not dangling, f"links to files left out of the package: {dangling}"


def test_desktop_entry_starts_the_launcher_with_the_icon(root):
    entry = configparser.ConfigParser(interpolation=None)
    entry.read(root / "usr/share/applications" / f"{PACKAGE}.desktop")
    desktop = entry["Desktop Entry"]
    assert desktop["Type"] == "Application"
    assert desktop["Exec"].split()[0] == PACKAGE
    assert (root / "usr/bin" / desktop["Exec"].split()[0]).exists()
    assert (root / "usr/share/icons/hicolor/scalable/apps" / f"{desktop['Icon']}.svg").is_file()


def test_installed_launcher_passes_its_self_test(root, tmp_path):
    launcher = root / "usr/bin" / PACKAGE
    assert os.access(launcher, os.X_OK)
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    env["HOME"] = str(tmp_path)
    # Run from an unrelated folder so nothing can be found through the source checkout.
    result = subprocess.run([str(launcher), "--self-test"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert "(frozen," in result.stdout
    assert_self_test_output(result.returncode, result.stdout, result.stderr)
