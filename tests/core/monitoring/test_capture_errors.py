"""The tolerated share of unreadable capture records: counting, wording, the boundary, the CLI."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cli import run_cli
from core.errors import InputError, ValidationError
from core.monitoring.capture_errors import BadRecord, CaptureTally, validate_share
from tests.core.monitoring.helpers import write_capture


def _tally(good: int, bad: int, torn: int = 0) -> CaptureTally:
    tally = CaptureTally()
    tally.add_good(good)
    for i in range(bad):
        tally.add_bad(BadRecord("f.jsonl", i + 1, "broken"))
    for i in range(torn):
        tally.add_bad(BadRecord("g.jsonl", i + 1, "cut short", torn=True))
    return tally


@given(st.integers(0, 5000), st.integers(0, 200), st.integers(0, 5),
       st.floats(0, 1, allow_nan=False))
def test_the_window_fails_exactly_past_the_share(good, bad, torn, share):
    tally = _tally(good, bad, torn)
    past = bad > 0 and bad / (good + bad) > share
    if past:
        with pytest.raises(InputError, match=f"^{bad} of {good + bad} capture records could "
                                             "not be read"):
            tally.check(share)
    else:
        tally.check(share)
    assert tally.errors == bad + torn  # torn last lines are counted, never held against it


def test_a_window_of_exactly_the_share_passes_and_one_more_fails():
    _tally(99, 1).check(0.01)
    with pytest.raises(InputError, match=r"\(1\.96%, more than the 1% tolerated\)"):
        _tally(100, 2).check(0.01)


def test_messages_name_the_first_records_and_count_the_rest():
    tally = _tally(995, 5, 1)
    assert tally.note() == (
        "5 capture records could not be read and were skipped (0.5% of 1000); 1 torn last "
        "line was skipped: f.jsonl, line 1: broken; f.jsonl, line 2: broken; f.jsonl, line 3: "
        "broken; and 3 more.")
    assert _tally(10, 0).note() == ""
    assert _tally(10, 1).note() == ("1 capture record could not be read and was skipped "
                                    "(9.09% of 11): f.jsonl, line 1: broken.")


@pytest.mark.parametrize("value", [-0.1, 1.01, math.nan, math.inf, "x", None])
def test_shares_outside_0_to_1_are_refused(value):
    with pytest.raises(ValidationError, match="must be a number from 0 to 1"):
        validate_share(value)


def _capture(tmp_path, bad_lines: int):
    paths = write_capture(tmp_path / "capture", [(f"{i},{'abc'[i % 3]}", "0.5")
                                                 for i in range(99)], endpoint="ep")
    with paths[-1].open("ab") as handle:
        handle.write(b"not a record\n" * bad_lines)
    data = tmp_path / "train.csv"
    data.write_text("y,a,b\n" + "".join(f"0.5,{i},{'abc'[i % 3]}\n" for i in range(99)))
    assert run_cli(["baseline", "--dataset", str(data), "--output", str(tmp_path / "base")]) == 0


def _monitor(tmp_path, *options) -> int:
    base = tmp_path / "base"
    return run_cli(["monitor", "--capture", str(tmp_path / "capture"), "--endpoint", "ep",
                    "--statistics", str(base / "statistics.json"), "--constraints",
                    str(base / "constraints.json"), "--output", str(tmp_path / "out"),
                    "--start", "2024-03-05T10:00:00Z", "--end", "2024-03-05T11:00:00Z",
                    *options])


def test_monitor_cli_tolerates_the_default_share_and_takes_another(tmp_path, capsys):
    _capture(tmp_path, 1)  # 1 of 100 records: 1%, tolerated by default
    assert _monitor(tmp_path) == 0
    out = capsys.readouterr().out
    assert "1 capture record could not be read and was skipped (1% of 100)" in out
    assert "line 100: not a JSON capture record" in out and "(99 records, 1 skipped" in out
    assert _monitor(tmp_path, "--max-bad-record-share", "0") == 2
    err = capsys.readouterr().err  # a Failed execution's status line goes to stderr
    assert err.startswith("Failed: 1 of 100 capture records could not be read (1%, more than "
                          "the 0% tolerated)")


@pytest.mark.parametrize("value", ["-1", "1.5", "nan", "lots", "150%"])
def test_monitor_cli_refuses_a_bad_share_in_one_sentence(tmp_path, capsys, value):
    with pytest.raises(SystemExit) as caught:
        run_cli(["monitor", "--dataset", "x.csv", "--statistics", "s", "--constraints", "c",
                 "--output", str(tmp_path), "--max-bad-record-share", value])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert f"--max-bad-record-share must be a number from 0 to 1, not {value!r}" in err
    assert "Traceback" not in err
