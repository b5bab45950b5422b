"""Generate a churn-like CSV deterministically: 20 columns, about 1% missing values.

12 float columns (two decimals), 5 integer columns and 3 categorical columns with 3, 12 and
50 levels, as in the perf anchors (1M rows is about 125 MB).

    .venv/bin/python bench/gen_churnlike.py --rows 1000000 --out bench/data/churnlike-1m.csv
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

FLOATS = ("day_mins", "eve_mins", "night_mins", "intl_mins", "day_charge", "eve_charge",
          "night_charge", "intl_charge", "tenure_years", "monthly_bill", "data_gb", "score")
INTS = ("account_length", "day_calls", "eve_calls", "night_calls", "custserv_calls")
CATEGORIES = {"plan": 3, "region": 12, "state": 50}
MISSING_RATE = 0.01
BLOCK_ROWS = 250_000
SEED = 20240601


def generate(rows: int, out: Path, seed: int = SEED) -> Path:
    """Write ``rows`` rows to ``out`` (same bytes for the same arguments)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".partial")
    rng = np.random.default_rng(seed)
    with pacsv.CSVWriter(str(tmp), _schema(),
                         write_options=pacsv.WriteOptions(quoting_style="none")) as writer:
        for start in range(0, rows, BLOCK_ROWS):
            writer.write_table(_block(rng, min(BLOCK_ROWS, rows - start)))
    tmp.replace(out)
    return out


def _schema() -> pa.Schema:
    fields = [pa.field(n, pa.float64()) for n in FLOATS] + \
             [pa.field(n, pa.int64()) for n in INTS] + \
             [pa.field(n, pa.string()) for n in CATEGORIES]
    return pa.schema(fields)


def _block(rng: np.random.Generator, n: int) -> pa.Table:
    arrays = []
    for i, _ in enumerate(FLOATS):
        values = np.round(rng.normal(20.0 * (i + 1), 3.0 + i, n), 2)
        arrays.append(_with_missing(rng, pa.array(values)))
    for i, _ in enumerate(INTS):
        arrays.append(_with_missing(rng, pa.array(rng.poisson(4 + 25 * i, n))))
    for name, levels in CATEGORIES.items():
        labels = np.array([f"{name}_{j}" for j in range(levels)])
        weights = np.arange(levels, 0, -1, dtype=float)
        picks = rng.choice(levels, size=n, p=weights / weights.sum())
        arrays.append(_with_missing(rng, pa.array(labels[picks])))
    return pa.Table.from_arrays(arrays, schema=_schema())


def _with_missing(rng: np.random.Generator, array: pa.Array) -> pa.Array:
    mask = rng.random(len(array)) < MISSING_RATE
    return pa.array(array.to_numpy(zero_copy_only=False), type=array.type, mask=mask)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    print(generate(args.rows, args.out))


if __name__ == "__main__":
    main()
