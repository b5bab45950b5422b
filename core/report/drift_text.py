"""Words for "why did this feature drift": the drift report's distance, method and top movers,
or, for SageMaker results without one, the moves visible in the two statistics documents."""

from __future__ import annotations

import html
import math

from core.report.results import FeatureRow, ResultSet, category_shifts, is_categorical, summary_stats

MAX_MOVERS = 5


def _fmt(value) -> str:
    if isinstance(value, float):
        return "N/A" if math.isnan(value) else f"{value:.4g}"
    return html.escape(str(value))


def drift_explanation(row: FeatureRow, base: dict | None, cur: dict | None,
                      result: ResultSet) -> str:
    """Rich text for the selected feature."""
    parts = [f"<b>{html.escape(row.feature)}</b> ({html.escape(row.inferred_type or '?')})"]
    if not math.isnan(row.drift):
        parts.append(f"Drift distance: <b>{_fmt(row.drift)}</b>")
    entry = result.drift.get(row.feature) or {}
    extras = [f"{k}: {_fmt(entry[k])}" for k in ("method", "threshold", "psi", "js")
              if entry.get(k) is not None]
    if extras:
        parts.append(", ".join(extras))
    nulls = entry.get("null_rate") or {}
    if nulls.get("change"):
        parts.append(f"Missing values: {_share(nulls.get('baseline'))} → "
                     f"{_share(nulls.get('current'))}")
    if entry.get("note"):
        parts.append(html.escape(str(entry["note"])))
    movers = _report_movers(entry)
    if not movers:
        movers = _visible_movers(base, cur)
    if movers:
        parts.append("What moved most:<br>" + "<br>".join(movers))
    for v in result.violations:
        if v.get("feature_name") == row.feature:
            parts.append(f"<i>{html.escape(str(v.get('constraint_check_type')))}</i>: "
                         f"{html.escape(str(v.get('description')))}")
    return "<br><br>".join(parts)


def _report_movers(entry: dict) -> list[str]:
    movers = entry.get("top_movers") or entry.get("movers") or []
    lines = []
    for mover in movers[:MAX_MOVERS]:
        if not isinstance(mover, dict):
            lines.append(f"• {_fmt(mover)}")
            continue
        label = mover.get("bin") or mover.get("value") or mover.get("category") or mover.get(
            "range") or mover.get("label")
        if label is None and "lower_bound" in mover:
            label = f"[{_fmt(mover['lower_bound'])}, {_fmt(mover.get('upper_bound'))})"
        base = mover.get("baseline", mover.get("baseline_share", mover.get("expected")))
        cur = mover.get("current", mover.get("current_share", mover.get("actual")))
        if base is not None and cur is not None:
            lines.append(f"• {_fmt(label)}: {_share(base)} → {_share(cur)}")
        else:
            lines.append(f"• {_fmt(label)}: {_fmt(mover.get('change', ''))}")
    return lines


def _visible_movers(base: dict | None, cur: dict | None) -> list[str]:
    if not base or not cur:
        return []
    if is_categorical(base) or is_categorical(cur):
        return [f"• {html.escape(v[:40])}: {_share(b)} → {_share(c)}"
                for v, b, c in category_shifts(base, cur, MAX_MOVERS) if b != c]
    b, c = summary_stats(base), summary_stats(cur)
    lines = []
    std = b.get("std_dev", 0.0)
    if "mean" in b and "mean" in c:
        shift = f" ({(c['mean'] - b['mean']) / std:+.2f} baseline std)" if std else ""
        lines.append(f"• mean: {_fmt(b['mean'])} → {_fmt(c['mean'])}{shift}")
    for key in ("std_dev", "min", "max"):
        if key in b and key in c and b[key] != c[key]:
            lines.append(f"• {key}: {_fmt(b[key])} → {_fmt(c[key])}")
    return lines


def _share(value) -> str:
    try:
        return f"{float(value):.1%}"
    except (TypeError, ValueError):
        return html.escape(str(value))
