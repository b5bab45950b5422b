"""The post-analytics script cannot change the published report: it works on a copy; what it
adds is published, but changing or removing a file the analysis wrote fails the execution."""

from __future__ import annotations

import json
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.baseline.run import suggest_baseline
from core.datasets.reader import DatasetSpec
from core.monitoring.execution import MonitoringRequest, report_folder, run_monitoring
from core.monitoring.preprocess import ScriptError
from core.monitoring.report_guard import fingerprint, run_postprocessor_on_copy
from tests.core.monitoring.helpers import SCHEDULED, WINDOW, write_capture

ROWS = [("1", "0.5", "a"), ("0", "0.7", "b"), ("1", "0.9", "a")] * 10
DRIFTED = [("1", "9.5", "z")] * 30  # violations, so constraint_violations.json is not empty
REPORT_FILES = ("statistics.json", "constraints.json", "constraint_violations.json",
                "drift_report.json", "message")


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    folder = tmp_path_factory.mktemp("baseline")
    data = folder / "train.csv"
    data.write_text("label,x,color\n" + "".join(f"{a},{b},{c}\n" for a, b, c in ROWS))
    result = suggest_baseline(DatasetSpec(str(data)), folder / "out")
    return result.statistics_path, result.constraints_path


def _run(tmp_path, baseline, post_body: str | None):
    capture = tmp_path / "capture"
    write_capture(capture, [(f"{x},{c}", label) for label, x, c in DRIFTED])
    post = None
    if post_body is not None:
        post = tmp_path / "post.py"
        post.write_text(textwrap.dedent(post_body))
    return run_monitoring(MonitoringRequest(
        *baseline, tmp_path / "reports", "ep", "hourly", SCHEDULED, WINDOW[0], WINDOW[1],
        capture_root=capture, postprocessor_path=post, script_log_dir=tmp_path / "logs"))


def _published(tmp_path):
    return report_folder(tmp_path / "reports", "ep", "hourly", SCHEDULED)


CLEAR_VIOLATIONS = """
    import os, pathlib
    def postprocess_handler():
        out = pathlib.Path(os.environ["output_path"])
        (out / "constraint_violations.json").write_text('{"violations": []}')
"""
DELETE_STATISTICS = """
    import os, pathlib
    def postprocess_handler():
        (pathlib.Path(os.environ["output_path"]) / "statistics.json").unlink()
"""
# a script that knows where reports go and edits the staged report folder itself
EDIT_STAGING = """
    import pathlib
    def postprocess_handler():
        root = pathlib.Path({root!r})
        for staged in root.rglob("*.partial"):
            (staged / "constraint_violations.json").write_text('{{"violations": []}}')
"""
ADD_FILES = """
    import os, pathlib
    def postprocess_handler():
        out = pathlib.Path(os.environ["output_path"])
        (out / "custom_metrics.json").write_text('{"m": 1}')
        (out / "extra").mkdir()
        (out / "extra" / "notes.txt").write_text("seen " + os.environ["start_time"])
"""
ADD_LINK = """
    import os, pathlib
    def postprocess_handler():
        out = pathlib.Path(os.environ["output_path"])
        (out / "passwd").symlink_to("/etc/passwd")
"""


def test_overwriting_violations_fails_and_publishes_nothing(tmp_path, baseline):
    result = _run(tmp_path, baseline, CLEAR_VIOLATIONS)
    assert result.status == "Failed"
    assert result.failure_reason.startswith(
        "The post-analytics script changed or removed constraint_violations.json"), \
        result.failure_reason
    assert not _published(tmp_path).exists()


def test_removing_a_file_fails(tmp_path, baseline):
    result = _run(tmp_path, baseline, DELETE_STATISTICS)
    assert result.status == "Failed" and "statistics.json" in result.failure_reason
    assert not _published(tmp_path).exists()


def test_editing_the_staged_report_itself_fails(tmp_path, baseline):
    result = _run(tmp_path, baseline, EDIT_STAGING.format(root=str(tmp_path / "reports")))
    assert result.status == "Failed"
    assert "changed the report folder itself (constraint_violations.json)" in \
        result.failure_reason
    assert not _published(tmp_path).exists()


def test_added_files_are_published_beside_an_untouched_report(tmp_path, baseline):
    plain = _run(tmp_path / "plain", baseline, None)
    result = _run(tmp_path / "post", baseline, ADD_FILES)
    assert result.status == plain.status == "CompletedWithViolations"
    folder = _published(tmp_path / "post")
    assert json.loads((folder / "custom_metrics.json").read_text()) == {"m": 1}
    assert (folder / "extra" / "notes.txt").read_text() == "seen 2024-03-05T10:00:00Z"
    for name in ("constraint_violations.json", "statistics.json", "constraints.json"):
        assert (folder / name).read_bytes() == (_published(tmp_path / "plain") / name) \
            .read_bytes()


def test_a_link_left_in_output_path_fails(tmp_path, baseline):
    result = _run(tmp_path, baseline, ADD_LINK)
    assert result.status == "Failed" and "passwd" in result.failure_reason
    assert "not a regular file" in result.failure_reason


# The class: any change to any analysis file in output_path fails; additions alone pass.
_edits = st.lists(st.tuples(st.sampled_from(REPORT_FILES),
                            st.sampled_from(["append", "truncate", "replace", "delete",
                                             "chmod"])), min_size=1, max_size=3)


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=_edits, add=st.booleans())
def test_any_change_to_the_analysis_files_is_refused(tmp_path_factory, edits, add):
    report = tmp_path_factory.mktemp("report")
    for i, name in enumerate(REPORT_FILES):
        (report / name).write_text(f'{{"file": {i}}}\n')
    before = {name: (report / name).read_bytes() for name in REPORT_FILES}
    script = report / ".." / f"{report.name}-post.py"
    actions = {"append": "p.write_bytes(p.read_bytes() + b' ')",
               "truncate": "p.write_bytes(b'')",
               "replace": "p.write_text('{\"violations\": []}')",
               "delete": "p.unlink()",
               "chmod": "p.chmod(0o777)"}
    body = ["import os, pathlib", "def postprocess_handler():",
            "    out = pathlib.Path(os.environ['output_path'])"]
    for name, action in edits:
        body += [f"    p = out / {name!r}", f"    if p.exists(): {actions[action]}"]
    if add:
        body.append("    (out / 'added.txt').write_text('x')")
    script.write_text("\n".join(body) + "\n")
    work = tmp_path_factory.mktemp("work")
    changed = {name for name, action in edits if action != "chmod"}
    if changed:
        with pytest.raises(ScriptError, match="changed or removed"):
            run_postprocessor_on_copy(script, report, work_dir=work, env={})
    else:
        run_postprocessor_on_copy(script, report, work_dir=work, env={})
    assert {name: (report / name).read_bytes() for name in REPORT_FILES} == before
    assert (report / "added.txt").exists() == (add and not changed)


def test_fingerprint_sees_content_kind_and_links(tmp_path):
    (tmp_path / "a").write_text("1")
    first = fingerprint(tmp_path)
    (tmp_path / "a").write_text("2")
    assert fingerprint(tmp_path) != first
    (tmp_path / "a").unlink()
    (tmp_path / "a").symlink_to("/etc/hostname")
    assert fingerprint(tmp_path)["a"] == ("link", "/etc/hostname")
