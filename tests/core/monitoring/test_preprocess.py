"""User scripts run in a real child process: rows, skips, errors with tracebacks, time limits."""

from __future__ import annotations

import json
import textwrap
from datetime import UTC, datetime

import pytest

from core.errors import Cancelled
from core.monitoring.preprocess import (
    PREPROCESS_EXCEPTION,
    PREPROCESS_MISSING,
    ScriptError,
    run_postprocessor,
    run_preprocessor,
)
from core.progress import CancelToken

CAPTURE = "capture/endpoint-csv.2021-11-30.jsonl"


def _script(tmp_path, body: str):
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(body))
    return path


def test_rows_skips_logger_and_record_attributes(samples, tmp_path):
    script = _script(tmp_path, """
        def preprocess_handler(inference_record, logger):
            logger.info("seen %s", inference_record.event_metadata.event_id)
            print("prints go to the log, not the rows")
            values = inference_record.endpoint_input.data.rstrip("\\n").split(",")
            if values[0] == "132":
                return []
            return {"00": inference_record.endpoint_output.data, "01": values[0],
                    "02": inference_record.endpoint_input.encoding,
                    "03": inference_record.event_metadata.event_time}
    """)
    result = run_preprocessor(script, [samples / CAPTURE], work_dir=tmp_path / "work")
    assert (result.records, result.rows, result.skipped) == (3, 2, 1)
    rows = [json.loads(line) for line in result.rows_path.read_text().splitlines()]
    assert rows[0] == {"00": "0.01584203727543354", "01": "186", "02": "CSV",
                       "03": "2021-10-21T19:28:38Z"}
    log_text = (tmp_path / "work" / "preprocess.log").read_text()
    assert "seen 6ddda13f" in log_text and "prints go to the log" in log_text


def test_only_the_window_reaches_the_script(samples, tmp_path):
    script = _script(tmp_path, "def preprocess_handler(r):\n    return {'a': 1}\n")
    start = datetime(2021, 10, 21, 19, 28, 39, tzinfo=UTC)
    result = run_preprocessor(script, [samples / CAPTURE], work_dir=tmp_path, start=start)
    assert result.records == 2


def test_a_raising_script_fails_with_its_traceback(samples, tmp_path):
    script = _script(tmp_path, """
        def helper(record):
            return {"x": 1 / 0}

        def preprocess_handler(inference_record):
            return helper(inference_record)
    """)
    with pytest.raises(ScriptError) as caught:
        run_preprocessor(script, [samples / CAPTURE], work_dir=tmp_path / "w")
    text = str(caught.value)
    assert text.startswith(PREPROCESS_EXCEPTION)
    assert "line 1" in text and "ZeroDivisionError: division by zero" in text
    assert 'script.py", line 3, in helper' in text
    assert "core/monitoring" not in text  # only the user's frames


def test_a_script_looping_forever_is_killed_at_the_limit(samples, tmp_path):
    script = _script(tmp_path, """
        def preprocess_handler(inference_record):
            while True:
                pass
    """)
    with pytest.raises(ScriptError, match=r"more than 1 s on record 1 and was stopped"):
        run_preprocessor(script, [samples / CAPTURE], work_dir=tmp_path, timeout_s=1)


@pytest.mark.parametrize(("body", "message"), [
    ("x = 1\n", PREPROCESS_MISSING),
    ("def preprocess_handler(r):\n    return {}\n", "expected a non-empty flat dict"),
    ("def preprocess_handler(r):\n    return 'row'\n", "returned 'row'"),
    ("def preprocess_handler(r)\n", "cannot be loaded"),
])
def test_bad_scripts_give_clear_reasons(samples, tmp_path, body, message):
    with pytest.raises(ScriptError, match=message):
        run_preprocessor(_script(tmp_path, body), [samples / CAPTURE], work_dir=tmp_path)


def test_cancel_stops_the_child(samples, tmp_path):
    script = _script(tmp_path, "import time\ndef preprocess_handler(r):\n    time.sleep(30)\n")
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        run_preprocessor(script, [samples / CAPTURE], work_dir=tmp_path, cancel=token)


def test_postprocessor_runs_after_with_the_environment(tmp_path):
    marker = tmp_path / "done.txt"
    script = _script(tmp_path, """
        import os
        def postprocess_handler():
            with open(os.environ["MARKER"], "w") as handle:
                handle.write(os.environ["output_path"])
    """)
    run_postprocessor(script, work_dir=tmp_path, env={"MARKER": str(marker),
                                                      "output_path": "/reports/x"})
    assert marker.read_text() == "/reports/x"


def test_postprocessor_errors_carry_the_traceback(tmp_path):
    script = _script(tmp_path, "def postprocess_handler():\n    raise ValueError('nope')\n")
    with pytest.raises(ScriptError, match="ValueError: nope"):
        run_postprocessor(script, work_dir=tmp_path)


def test_limits_of_the_execution_reach_scripts_started_inside_it(samples, tmp_path):
    from core.monitoring.preprocess import ScriptLimits, script_limits

    script = _script(tmp_path, "def preprocess_handler(r):\n    print('hi')\n    return {'a': 1}\n")
    limits = ScriptLimits.starting_now(total_s=60, memory_limit_mb=1024,
                                       log_dir=tmp_path / "kept-logs")
    with script_limits(limits):
        run_preprocessor(script, [samples / CAPTURE], work_dir=tmp_path / "work")
    assert "hi" in (tmp_path / "kept-logs" / "preprocess.log").read_text()
    run_preprocessor(script, [samples / CAPTURE], work_dir=tmp_path / "after")
    assert (tmp_path / "after" / "preprocess.log").exists()  # outside: the defaults again


@pytest.mark.parametrize(("total", "memory"), [
    (0, 2048), (-1, 2048), (float("nan"), 2048), (float("inf"), 2048), (60, -1), (60, 1.5),
    (60, True)])
def test_bad_limits_are_refused(total, memory):
    from core.errors import ValidationError
    from core.monitoring.preprocess import ScriptLimits

    with pytest.raises(ValidationError):
        ScriptLimits.starting_now(total_s=total, memory_limit_mb=memory, log_dir=None)


def test_every_failure_names_the_log(samples, tmp_path):
    script = _script(tmp_path, "def preprocess_handler(r):\n    raise KeyError('k')\n")
    with pytest.raises(ScriptError) as caught:
        run_preprocessor(script, [samples / CAPTURE], work_dir=tmp_path / "w")
    log = tmp_path / "w" / "preprocess.log"
    assert str(caught.value).endswith(f"The script's log: {log}")
    assert "KeyError: 'k'" in log.read_text()


@pytest.mark.parametrize(("endpoint", "schedule"), [("../../x", "s"), ("ep", "../../../y"),
                                                     (None, "/etc")])
def test_default_log_folder_stays_in_the_log_root(endpoint, schedule):
    from core.errors import ValidationError
    from core.monitoring.preprocess import default_log_dir

    with pytest.raises(ValidationError, match="outside"):
        default_log_dir(endpoint, schedule, datetime(2024, 3, 5, 11, tzinfo=UTC))
