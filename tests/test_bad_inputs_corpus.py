"""Every bad input of the corpus (tests/corpus, see its README) through the command line: exit
code 2, the expected sentence on stderr, one line of it, no traceback, and nothing left under
the output folder.

The cases run in two batch interpreters in parallel (``tests/corpus/run_cases.py`` calls
``main.main`` per case, as ``python main.py`` would); one case of every kind also runs as its
own ``python main.py`` process, and both ways must agree.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.baseline.run import suggest_baseline
from core.datasets.reader import DatasetSpec

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
KINDS = ("dataset", "statistics", "constraints", "capture", "cli-args")
ENDPOINT = "corpus-endpoint"
# The hour the capture cases' records were captured in.
WINDOW = ["--start", "2024-03-05T10:00:00Z", "--end", "2024-03-05T11:00:00Z"]
BATCHES = 2


@dataclass
class Case:
    id: str
    kind: str
    argv: list[str]
    expected: str
    out: Path


def corpus_lines(kind: str) -> list[tuple[str, str]]:
    table = CORPUS / kind / "expected.tsv"
    if not table.is_file():
        return []
    rows = []
    for number, line in enumerate(table.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        first, sep, expected = line.partition("\t")
        assert sep and expected.strip(), f"{table}, line {number}: expected CASE<TAB>sentence"
        rows.append((first, expected))
    return rows


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("good")
    dataset = folder / "dataset.csv"
    shutil.copy(CORPUS / "good" / "dataset.csv", dataset)
    baseline = suggest_baseline(DatasetSpec(str(dataset)), folder / "baseline")
    tmp = folder / "tmp"
    tmp.mkdir()
    (tmp / "model.json").write_text("{}")
    (folder / "empty").mkdir()
    return {"dataset": dataset, "statistics": baseline.statistics_path,
            "constraints": baseline.constraints_path, "tmp": tmp, "empty_dir": folder / "empty",
            "workspace": folder / "workspace", "root": folder}


def build_cases(good: dict[str, Path]) -> list[Case]:
    cases = []
    outs = good["root"] / "out"
    for kind in KINDS:
        for index, (first, expected) in enumerate(corpus_lines(kind)):
            out = outs / kind / str(index)
            case_id = f"{kind}/{first}"
            stats, limits = str(good["statistics"]), str(good["constraints"])
            if kind == "cli-args":
                argv = [_fill(arg, good, out) for arg in shlex.split(first)]
            else:
                path = CORPUS / kind / first
                assert path.is_file(), f"{CORPUS / kind / 'expected.tsv'} names {first}, missing"
                if kind == "dataset":
                    argv = ["baseline", "--dataset", str(path), "--output", str(out)]
                elif kind in ("statistics", "constraints"):
                    files = {"statistics": stats, "constraints": limits, kind: str(path)}
                    argv = ["monitor", "--dataset", str(good["dataset"]),
                            "--statistics", files["statistics"],
                            "--constraints", files["constraints"], "--output", str(out)]
                else:
                    capture = good["root"] / "capture" / str(index)
                    hour = capture / ENDPOINT / "AllTraffic" / "2024" / "03" / "05" / "10"
                    hour.mkdir(parents=True)
                    shutil.copy(path, hour / first)
                    argv = ["monitor", "--capture", str(capture), "--endpoint", ENDPOINT,
                            "--statistics", stats, "--constraints", limits, *WINDOW,
                            "--output", str(out)]
            cases.append(Case(case_id, kind, argv, expected, out))
    return cases


def _fill(arg: str, good: dict[str, Path], out: Path) -> str:
    for key in ("dataset", "statistics", "constraints", "tmp", "empty_dir", "workspace"):
        arg = arg.replace("{" + key + "}", str(good[key]))
    return arg.replace("{out}", str(out))


def run_batches(cases: list[Case], folder: Path) -> dict[str, dict]:
    chunks = [cases[i::BATCHES] for i in range(BATCHES)]

    def run(number: int) -> Path:
        spec, results = folder / f"cases-{number}.json", folder / f"results-{number}.jsonl"
        spec.write_text(json.dumps([{"id": c.id, "argv": c.argv} for c in chunks[number]]))
        subprocess.run([sys.executable, str(CORPUS / "run_cases.py"), str(spec), str(results)],
                       cwd=ROOT, check=True, timeout=240, capture_output=True)
        return results

    with ThreadPoolExecutor(BATCHES) as pool:
        files = list(pool.map(run, range(BATCHES)))
    results = {}
    for file in files:
        for line in file.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            results[entry["id"]] = entry
    return results


def problems_of(case: Case, code: int, stdout: str, stderr: str) -> list[str]:
    problems = []
    if code != 2:
        problems.append(f"exit code {code}, expected 2")
    if "Traceback" in stderr or "Traceback" in stdout:
        problems.append("a traceback")
    lines = [line for line in stderr.splitlines() if line.strip()]
    if case.expected not in stderr:
        problems.append(f"stderr lacks {case.expected!r}")
    elif len(lines) != 1:
        problems.append(f"{len(lines)} lines on stderr, expected one sentence")
    left = sorted(str(p.relative_to(case.out)) for p in case.out.rglob("*")) \
        if case.out.exists() else []
    if left:
        problems.append(f"left under the output folder: {left[:5]}")
    return problems


def test_every_bad_input_gets_one_sentence_exit_2_and_leaves_nothing(good, tmp_path):
    cases = build_cases(good)
    assert len(cases) >= 150, f"the corpus holds only {len(cases)} cases"
    assert len({c.id for c in cases}) == len(cases), "two corpus lines with the same case"
    started = time.monotonic()
    results = run_batches(cases, tmp_path)
    failures = []
    for case in cases:
        result = results.get(case.id)
        if result is None:
            failures.append(f"{case.id}: no result (the batch stopped before it)")
            continue
        for problem in problems_of(case, result["code"], result["stdout"], result["stderr"]):
            failures.append(f"{case.id}: {problem}\n    stderr: {result['stderr'][-400:]!r}")
    counts = {kind: sum(c.kind == kind for c in cases) for kind in KINDS}
    print(f"corpus: {len(cases)} cases {counts} in {time.monotonic() - started:.1f} s")
    assert not failures, f"{len(failures)} of {len(cases)} cases failed:\n" + "\n".join(failures)


def test_a_case_of_every_kind_gives_the_same_as_a_separate_process(good, tmp_path):
    """The batch calls main.main in one interpreter; a real ``python main.py`` must agree."""
    firsts = {}
    for case in build_cases({**good, "root": tmp_path}):
        firsts.setdefault(case.kind, case)
    assert {"dataset", "statistics", "constraints", "cli-args"} <= set(firsts)

    def run(case: Case):
        return subprocess.run([sys.executable, "main.py", *case.argv], cwd=ROOT, text=True,
                              capture_output=True, timeout=120)

    with ThreadPoolExecutor(BATCHES) as pool:
        finished = list(pool.map(run, firsts.values()))
    for case, process in zip(firsts.values(), finished, strict=True):
        assert problems_of(case, process.returncode, process.stdout, process.stderr) == [], (
            case.id, process.stderr)
