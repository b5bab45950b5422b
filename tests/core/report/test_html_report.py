"""The HTML report of an execution: self-contained, every feature with its plot, readable in a
real browser (headless Chromium) without one network request, and printable to PDF."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

CHROMIUM = shutil.which("chromium")
PDFTOPPM = shutil.which("pdftoppm")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def _main(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "main.py", *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})


@pytest.fixture(scope="module")
def execution(tmp_path_factory) -> tuple[Path, Path, list[str]]:
    """A real baseline and a drifted window through the command line: (results, baseline stats,
    feature names). Feature names carry markup and quotes, which the report must escape."""
    root = tmp_path_factory.mktemp("report")
    names = ["age", "plan <b>&amp;</b>", 'city "x"', "score"]
    header = ",".join(f'"{n}"' if '"' not in n else '"' + n.replace('"', '""') + '"'
                      for n in names)
    train = [header] + [f"{20 + i % 40},{'ab'[i % 2]},{['Oslo', 'Rome', 'Lima'][i % 3]},"
                        f"{i % 7 / 7:.3f}" for i in range(300)]
    window = [header] + [f"{50 + i % 40},{'b'},{['Oslo', 'Kyiv'][i % 2]},{0.9 + i % 3 / 100:.3f}"
                         for i in range(120)]
    (root / "train.csv").write_text("\n".join(train) + "\n")
    (root / "window.csv").write_text("\n".join(window) + "\n")
    base = _main("baseline", "--dataset", str(root / "train.csv"), "--output",
                 str(root / "baseline"))
    assert base.returncode == 0, base.stderr
    run = _main("monitor", "--dataset", str(root / "window.csv"),
                "--statistics", str(root / "baseline" / "statistics.json"),
                "--constraints", str(root / "baseline" / "constraints.json"),
                "--output", str(root / "reports"), "--end", "2024-01-01T01:00:00Z")
    assert run.returncode == 0, run.stderr
    (results,) = {p.parent for p in (root / "reports").rglob("constraint_violations.json")}
    return results, root / "baseline" / "statistics.json", names


@pytest.fixture(scope="module")
def report(execution, tmp_path_factory) -> Path:
    results, baseline, _ = execution
    out = tmp_path_factory.mktemp("out") / "report.html"
    done = _main("report", "--results", str(results), "--baseline-statistics", str(baseline),
                 "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


def test_every_feature_has_its_card_and_plot_escaped(report, execution):
    text = report.read_text()
    for name in execution[2]:
        card = f'data-feature="{html.escape(name)}"'
        assert card in text, name
        section = text[text.index(card):].split("</section>", 1)[0]
        assert "<svg" in section and 'class="baseline"' in section and 'class="current"' in section
    assert "<b>&amp;</b>" not in text  # the name's markup is text, not markup
    assert text.count("<section") == len(execution[2])


def test_the_report_names_no_outside_resource(report):
    text = report.read_text()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?!data:)[a-z]+:""", text, re.I)
    assert "<script" not in text.lower() and "@import" not in text
    assert "default-src 'none'" in text


def test_violations_table_marks_violating_cells_and_counts(report, execution):
    results = execution[0]
    violations = json.loads((results / "constraint_violations.json").read_text())["violations"]
    assert violations, "the drifted window must violate something"
    text = report.read_text()
    assert f"{len(violations):,} violation" in text
    assert text.count('class="violating"') == len({v["feature_name"] for v in violations})
    for v in violations:
        assert html.escape(v["description"]) in text


def _page_requests(page: Path, tmp_path: Path) -> set[str]:
    """URLs the page itself asked for while headless Chromium rendered it: the network log's
    jobs with the page as initiator (Chromium's own background calls have none)."""
    log, shot = tmp_path / "netlog.json", tmp_path / "page.png"
    done = subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                           f"--log-net-log={log}", "--window-size=1280,2000",
                           f"--screenshot={shot}", page.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert shot.is_file() and shot.stat().st_size > 2_000, done.stderr[-2000:]
    netlog = json.loads(log.read_text(errors="replace"))
    start_job = netlog["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return {str(e["params"].get("url")) for e in netlog["events"]
            if e["type"] == start_job and e.get("params", {}).get("url")
            and e["params"].get("initiator") != "not an origin"
            and not str(e["params"].get("url")).startswith(("file:", "data:"))}


@pytest.mark.skipif(not CHROMIUM, reason="Debian's chromium is installed by make test")
def test_chromium_renders_it_without_any_network_request(report, tmp_path):
    assert _page_requests(report, tmp_path / "report") == set()
    # The same check sees a page that does reach out (so an empty set means something).
    leaky = tmp_path / "leaky.html"
    leaky.write_text('<img src="http://127.0.0.1:9/x.png"><link rel="stylesheet" '
                     'href="http://127.0.0.1:9/a.css">')
    assert _page_requests(leaky, tmp_path / "leaky") == {"http://127.0.0.1:9/x.png",
                                                         "http://127.0.0.1:9/a.css"}


@pytest.mark.skipif(not PDFTOPPM, reason="Debian's poppler-utils is installed by make test")
def test_pdf_through_qt_prints_pages_with_the_plots(execution, tmp_path):
    results, baseline, names = execution
    pdf = tmp_path / "report.pdf"
    done = _main("report", "--results", str(results), "--baseline-statistics", str(baseline),
                 "--out", str(tmp_path / "r.html"), "--pdf", str(pdf), timeout=240)
    assert done.returncode == 0, done.stderr
    assert pdf.read_bytes()[:5] == b"%PDF-"
    subprocess.run([PDFTOPPM, "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True,
                   timeout=120)
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages and all(p.stat().st_size > 1000 for p in pages)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    for name in names:
        assert name in text


def test_a_folder_without_results_is_one_sentence(tmp_path):
    (tmp_path / "empty").mkdir()
    done = _main("report", "--results", str(tmp_path / "empty"), "--out",
                 str(tmp_path / "r.html"))
    assert done.returncode == 2
    assert "No SageMaker monitoring documents" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "r.html").exists()


def test_report_size_with_500_features_stays_small(tmp_path):
    """500 features, each with a numeric distribution on both sides: the figure the README
    states (under 5 MB) is checked here."""
    from core.report.html_report import ReportMetadata, render_html
    from core.report.results import ResultSet

    def feature(i: int, shift: float) -> dict:
        buckets = [{"lower_bound": b + shift, "upper_bound": b + 1 + shift, "count": 10 + b}
                   for b in range(10)]
        return {"name": f"feature_{i:03d}", "inferred_type": "Fractional",
                "numerical_statistics": {"common": {"num_present": 100, "num_missing": 0},
                                         "mean": 5.0 + shift, "sum": 500.0, "std_dev": 2.0,
                                         "min": 0.0, "max": 10.0,
                                         "distribution": {"kll": {"buckets": buckets}}}}

    result = ResultSet(
        statistics={"dataset": {"item_count": 100}, "features": [feature(i, 0.5)
                                                                for i in range(500)]},
        baseline_statistics={"dataset": {"item_count": 100},
                             "features": [feature(i, 0.0) for i in range(500)]},
        violations=[{"feature_name": f"feature_{i:03d}", "constraint_check_type":
                     "baseline_drift_check", "description":
                     "Baseline drift distance: 0.2 exceeds threshold: 0.1"} for i in range(50)])
    text = render_html(result, ReportMetadata())
    assert text.count("<svg") == 500
    assert len(text.encode()) < 5_000_000, len(text.encode())


def test_model_quality_metrics_are_reported_with_their_violations(samples, tmp_path):
    """The real binary model-quality statistics and violations: every metric with its value,
    and the metrics the violations name marked with SageMaker's own sentence."""
    folder = tmp_path / "mq"
    folder.mkdir()
    quality = samples / "model-quality"
    shutil.copy(quality / "mq-binary-statistics.sdk-fixture.json", folder / "statistics.json")
    shutil.copy(quality / "mq-binary-constraint_violations.2021-08-11.json",
                folder / "constraint_violations.json")
    out = tmp_path / "mq.html"
    done = _main("report", "--results", str(folder), "--out", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    section = text[text.index("<h2>Model quality</h2>"):text.index("<h2>Violations</h2>")]
    for metric in ("accuracy", "auc", "f1", "precision", "recall", "true_positive_rate"):
        assert f"<td>{metric}</td>" in section, metric
    assert "Metric auc with 0.5138258810079481" in section
    assert "Metric truePositiveRate with" in section  # camelCase in SageMaker's violations
    assert section.count('class="violating"') == 10
    assert 'data-feature=""' not in text  # metric violations are not features
