"""Model-quality benchmark: the merge from files plus every binary metric over 1M records, next
to scikit-learn's metric functions on the same arrays already in memory, in one run.

    .venv/bin/python bench/bench_model_quality.py [--records 1000000] [--rounds 3]

Data (bench/data/model_quality/, kept between runs): 1M captured records in 24 hourly capture
files (CSV responses holding the probability, SageMaker's XGBoost layout, each with an
inferenceId) and ground truth for 95% of them in 24 hourly files, plus 20k labels of ids never
captured. "ours" is what ``quality-monitor`` does between reading the constraints and writing
the report: find and parse both sides, join, pick the probability, threshold it, and compute
every binary metric with its 5-subsample standard deviation, both curves and the
best-constant baselines. scikit-learn gets the merged arrays in memory for free and computes
confusion_matrix, precision, recall, accuracy, the three F-scores, roc_auc_score, roc_curve and
precision_recall_curve; a second peer has scikit-learn produce what statistics.json holds
(every scalar on the whole set and on the same 5 seeded 80% subsamples, the best-constant
baselines, both curves). Rounds alternate the order; ratios are medians of per-round ratios. Results go to bench/results/model_quality.json with ``uptime``'s load average.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from core.formats.capture import capture_file_path, capture_line  # noqa: E402
from core.model_quality.attributes import select  # noqa: E402
from core.model_quality.merge import merge_ground_truth  # noqa: E402
from core.model_quality.problem import QualitySettings, metrics_block  # noqa: E402

DATA = BENCH / "data" / "model_quality"
RESULTS = BENCH / "results"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
HOURS = 24
SETTINGS = QualitySettings("BinaryClassification", None, "0", 0.5, None)


def generate(records: int) -> Path:
    root = DATA / f"r{records}"
    if (root / "done").exists():
        return root
    print(f"generating {records} captured records and their labels ...", flush=True)
    rng = np.random.default_rng(42)
    actual = rng.random(records) < 0.3
    score = np.clip(np.where(actual, 0.65, 0.35) + rng.normal(0, 0.2, records), 0, 1).round(6)
    per_hour = -(-records // HOURS)
    for hour in range(HOURS):
        when = T0 + timedelta(hours=hour)
        rows = range(hour * per_hour, min(records, (hour + 1) * per_hour))
        capture = capture_file_path(root / "capture", "ep", "AllTraffic", when, "bench")
        capture.parent.mkdir(parents=True, exist_ok=True)
        capture.write_bytes(b"".join(
            capture_line("0.5,1,2,3", "text/csv", f"{score[i]}", "text/csv",
                         inference_time=when + timedelta(seconds=i % 3600),
                         inference_id=f"req-{i}") for i in rows))
        labelled = root / "gt" / (when + timedelta(hours=2)).strftime("%Y/%m/%d/%H")
        labelled.mkdir(parents=True, exist_ok=True)
        lines = [f'{{"groundTruthData":{{"data":"{int(actual[i])}","encoding":"CSV"}},'
                 f'"eventMetadata":{{"eventId":"req-{i}"}},"eventVersion":"0"}}'
                 for i in rows if i % 20]  # 5% never labelled
        lines += [f'{{"groundTruthData":{{"data":"1","encoding":"CSV"}},"eventMetadata":'
                  f'{{"eventId":"lost-{hour}-{j}"}},"eventVersion":"0"}}'
                  for j in range(20_000 // HOURS)]
        (labelled / "labels.jsonl").write_text("\n".join(lines) + "\n")
    (root / "done").write_text("")
    return root


def ours(root: Path):
    started = time.perf_counter()
    merged = merge_ground_truth(root / "capture", root / "gt")
    probabilities = select(merged.output_data, merged.output_encoding, "0", what="probability",
                           locate=merged.locate)
    labels = select(merged.labels, merged.label_encoding, None, what="label",
                    locate=merged.locate_label)
    block = metrics_block(SETTINGS, labels, None, probabilities,
                          label_locate=merged.locate_label, output_locate=merged.locate)
    seconds = time.perf_counter() - started
    from core.model_quality.attributes import as_numbers
    arrays = (as_numbers(labels, what="label", locate=merged.locate_label).astype(int),
              as_numbers(probabilities, what="probability", locate=merged.locate))
    return seconds, block, merged.counts, arrays


def scikit_learn(actual: np.ndarray, score: np.ndarray):
    from sklearn import metrics as sk
    started = time.perf_counter()
    predicted = (score >= 0.5).astype(int)
    out = {"confusion_matrix": sk.confusion_matrix(actual, predicted),
           "precision": sk.precision_score(actual, predicted),
           "recall": sk.recall_score(actual, predicted),
           "accuracy": sk.accuracy_score(actual, predicted),
           "f0_5": sk.fbeta_score(actual, predicted, beta=0.5),
           "f1": sk.f1_score(actual, predicted),
           "f2": sk.fbeta_score(actual, predicted, beta=2),
           "auc": sk.roc_auc_score(actual, score),
           "roc": sk.roc_curve(actual, score),
           "pr": sk.precision_recall_curve(actual, score)}
    return time.perf_counter() - started, out


def scikit_learn_same_statistics(actual: np.ndarray, score: np.ndarray) -> float:
    """scikit-learn producing what statistics.json holds: every scalar on the whole set and on
    the same 5 seeded 80% subsamples, the best-constant baselines, both curves."""
    from sklearn import metrics as sk
    started = time.perf_counter()

    def scalars(y, s):
        p = (s >= 0.5).astype(int)
        tn, fp, fn, tp = sk.confusion_matrix(y, p, labels=[0, 1]).ravel()
        constant = np.ones_like(y)
        out = {"recall": sk.recall_score(y, p), "precision": sk.precision_score(y, p),
               "accuracy": sk.accuracy_score(y, p), "tnr": tn / (tn + fp),
               "fpr": fp / (fp + tn), "fnr": fn / (fn + tp), "auc": sk.roc_auc_score(y, s)}
        for beta in (0.5, 1, 2):
            out[f"f{beta}"] = sk.fbeta_score(y, p, beta=beta)
            out[f"f{beta}_constant"] = sk.fbeta_score(y, constant, beta=beta)
        out["precision_constant"] = sk.precision_score(y, constant)
        out["accuracy_constant"] = sk.accuracy_score(y, constant)
        return out

    scalars(actual, score)
    rng = np.random.default_rng(0)
    for _ in range(5):
        rows = np.zeros(len(actual), dtype=bool)
        rows[rng.permutation(len(actual))[:int(len(actual) * 0.8)]] = True
        scalars(actual[rows], score[rows])
    sk.roc_curve(actual, score)
    sk.precision_recall_curve(actual, score)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    root = generate(args.records)
    load_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    ours_s, sk_s, ratios, same_s, same_ratios = [], [], [], [], []
    arrays, counts, block = None, None, None
    for round_ in range(args.rounds):
        pair = {}
        cases = ("ours", "sklearn", "same") if round_ % 2 == 0 else ("same", "sklearn", "ours")
        for case in cases:
            if case == "same":
                if arrays is None:
                    _, block, counts, arrays = ours(root)
                pair["same"] = scikit_learn_same_statistics(*arrays)
            elif case == "ours":
                pair["ours"], block, counts, arrays = ours(root)
            else:
                if arrays is None:
                    _, block, counts, arrays = ours(root)
                pair["sklearn"], reference = scikit_learn(*arrays)
        ours_s.append(pair["ours"])
        sk_s.append(pair["sklearn"])
        ratios.append(pair["ours"] / pair["sklearn"])
        same_s.append(pair["same"])
        same_ratios.append(pair["ours"] / pair["same"])
        print(f"round {round_ + 1}: ours {pair['ours']:.2f} s, scikit-learn metric functions "
              f"{pair['sklearn']:.2f} s (ratio {ratios[-1]:.2f}), scikit-learn same statistics "
              f"{pair['same']:.2f} s (ratio {same_ratios[-1]:.2f})", flush=True)
    load_after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    for name in ("precision", "recall", "accuracy", "f0_5", "f1", "f2", "auc"):
        assert abs(block[name][0] - reference[name]) < 1e-9, name  # same numbers, or no figure
    result = {"records": args.records, "merged": counts.matched, "counts": counts.as_dict(),
              "ours_s": ours_s, "sklearn_s": sk_s, "ratio_median": statistics.median(ratios),
              "ours_median_s": statistics.median(ours_s),
              "sklearn_median_s": statistics.median(sk_s),
              "sklearn_same_statistics_s": same_s,
              "sklearn_same_statistics_median_s": statistics.median(same_s),
              "ratio_same_statistics_median": statistics.median(same_ratios),
              "uptime_before": load_before, "uptime_after": load_after,
              "when": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "model_quality.json").write_text(json.dumps(result, indent=2))
    print(f"merged {counts.matched} of {counts.captured} captured records "
          f"({counts.unmatched_ground_truth} labels unmatched); median ours "
          f"{result['ours_median_s']:.2f} s, scikit-learn {result['sklearn_median_s']:.2f} s "
          f"(ratio {result['ratio_median']:.2f}x), scikit-learn same statistics "
          f"{result['sklearn_same_statistics_median_s']:.2f} s "
          f"(ratio {result['ratio_same_statistics_median']:.2f}x)")
    print(f"load: {load_before} / {load_after}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
