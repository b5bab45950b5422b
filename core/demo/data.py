"""A synthetic customer-churn table with the 70 columns of the classic churn training set.

Seeded numpy only, no network: numeric usage columns in the real file's ranges, one-hot
state / area code / plans, the ``Churn`` label first. ``drift=True`` shifts usage minutes
and the plan mix, which a monitoring execution should flag.
"""

from __future__ import annotations

import numpy as np

STATES = ("AK AL AR AZ CA CO CT DC DE FL GA HI IA ID IL IN KS KY LA MA MD ME MI MN MO MS MT NC "
          "ND NE NH NJ NM NV NY OH OK OR PA RI SC SD TN TX UT VA VT WA WI WV WY").split()
AREA_CODES = ("408", "415", "510")
USAGE_COLUMNS = ("Account Length", "VMail Message", "Day Mins", "Day Calls", "Eve Mins",
                 "Eve Calls", "Night Mins", "Night Calls", "Intl Mins", "Intl Calls",
                 "CustServ Calls")
LABEL = "Churn"
FEATURE_COLUMNS = (USAGE_COLUMNS + tuple(f"State_{s}" for s in STATES)
                   + tuple(f"Area Code_{a}" for a in AREA_CODES)
                   + ("Int'l Plan_no", "Int'l Plan_yes", "VMail Plan_no", "VMail Plan_yes"))
COLUMNS = (LABEL,) + FEATURE_COLUMNS  # 70, as in training-dataset-with-header.csv
MINUTE_COLUMNS = frozenset({"Day Mins", "Eve Mins", "Night Mins", "Intl Mins"})


def churn_table(rows: int, seed: int, *, drift: bool = False) -> np.ndarray:
    """A (rows, 70) float array in :data:`COLUMNS` order.

    Args:
        rows: how many customers.
        seed: the generator seed; equal seeds give equal tables.
        drift: shift usage minutes up and change the plan mix.
    """
    rng = np.random.default_rng(seed)
    shift = 1.3 if drift else 1.0
    intl_plan = rng.random(rows) < (0.40 if drift else 0.10)
    vmail_plan = rng.random(rows) < (0.60 if drift else 0.28)
    usage = {
        "Account Length": _ints(rng.normal(101, 40, rows), 1, 243),
        "VMail Message": np.where(vmail_plan, _ints(rng.normal(29, 7.5, rows), 10, 51), 0),
        "Day Mins": _tenths(rng.normal(180 * shift, 54, rows), 0, 351 * shift),
        "Day Calls": _ints(rng.normal(100, 20, rows), 0, 165),
        "Eve Mins": _tenths(rng.normal(200 * shift, 50, rows), 31, 362 * shift),
        "Eve Calls": _ints(rng.normal(100, 20, rows), 12, 170),
        "Night Mins": _tenths(rng.normal(201, 51, rows), 23, 395),
        "Night Calls": _ints(rng.normal(100, 19, rows), 42, 175),
        "Intl Mins": _tenths(rng.normal(10.25, 2.8, rows), 0, 18.4),
        "Intl Calls": np.minimum(rng.poisson(4.5, rows), 20),
        "CustServ Calls": np.minimum(rng.poisson(1.55, rows), 8),
    }
    states = _one_hot(rng.integers(0, len(STATES), rows), len(STATES))
    areas = _one_hot(rng.choice(3, rows, p=[0.25, 0.50, 0.25]), 3)
    plans = np.column_stack([~intl_plan, intl_plan, ~vmail_plan, vmail_plan]).astype(float)
    churn = _churn(rng, usage, intl_plan, vmail_plan)
    numeric = np.column_stack([usage[c] for c in USAGE_COLUMNS]).astype(float)
    return np.column_stack([churn, numeric, states, areas, plans])


def _churn(rng, usage: dict, intl_plan, vmail_plan) -> np.ndarray:
    # Risk rises with heavy day use, many service calls and the international plan (~14%).
    logit = (-2.45 + 0.022 * (usage["Day Mins"] - 180) + 0.9 * (usage["CustServ Calls"] >= 4)
             + 1.8 * intl_plan - 0.8 * vmail_plan + 0.006 * (usage["Eve Mins"] - 200))
    return (rng.random(len(logit)) < 1 / (1 + np.exp(-logit))).astype(float)


def _ints(values, low, high) -> np.ndarray:
    return np.clip(np.rint(values), low, high)


def _tenths(values, low, high) -> np.ndarray:
    return np.round(np.clip(values, low, high), 1)


def _one_hot(index, width: int) -> np.ndarray:
    out = np.zeros((len(index), width))
    out[np.arange(len(index)), index] = 1.0
    return out


def format_rows(table: np.ndarray, columns: tuple[str, ...]) -> list[str]:
    """CSV lines like the real file: integers without a point, minutes with one decimal."""
    minute = [c in MINUTE_COLUMNS for c in columns]
    return [",".join(f"{v:.1f}" if m else str(int(v)) for v, m in zip(row, minute))
            for row in table]
