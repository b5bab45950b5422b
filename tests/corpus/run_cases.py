"""Run many command lines through ``main.main`` in one interpreter, as the corpus test's batch.

Usage: ``python tests/corpus/run_cases.py CASES.json RESULTS.jsonl``. CASES.json is a list of
``{"id": ..., "argv": [...]}``; each result line is ``{"id", "code", "stdout", "stderr"}``
with what ``python main.py ARGV`` would have printed and returned: an uncaught exception is
written as the interpreter would (a traceback, exit code 1), ``SystemExit`` gives its code.
Starting one interpreter per case costs about half a second of imports; a batch pays once.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import sys
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_one(argv: list[str]) -> tuple[int, str, str]:
    from main import main

    out, err = io.StringIO(), io.StringIO()
    logging.root.handlers.clear()  # basicConfig binds the stderr of the moment: rebind per case
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
            if isinstance(stop.code, str):
                print(stop.code, file=sys.stderr)
        except Exception:  # what the interpreter would print for an uncaught exception
            traceback.print_exc()
            code = 1
    return int(code or 0), out.getvalue(), err.getvalue()


def main_batch(cases_file: str, results_file: str) -> int:
    sys.path.insert(0, str(ROOT))
    cases = json.loads(Path(cases_file).read_text())
    with open(results_file, "a", encoding="utf-8") as results:
        for case in cases:
            code, out, err = run_one(case["argv"])
            results.write(json.dumps({"id": case["id"], "code": code, "stdout": out,
                                      "stderr": err}) + "\n")
            results.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main_batch(sys.argv[1], sys.argv[2]))
