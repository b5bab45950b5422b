"""One execution as one self-contained HTML file: metadata, the violations table as the app
shows it, every feature's distribution against the baseline and what drove each drift.

Self-contained means no network reference of any kind: styles inline, plots inline SVG, no
scripts, and a Content-Security-Policy that forbids the browser from fetching anything.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from core import atomic
from core.errors import InputError
from core.report.drift_text import drift_explanation
from core.report.results import (
    FeatureRow,
    ResultSet,
    ViolationRow,
    build_feature_rows,
    build_violation_rows,
    distribution,
    feature_map,
    load_results,
    model_quality_rows,
    summary_stats,
)
from core.report.svg_plots import distribution_svg

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
VIOLATION_COLUMNS = ("data_type", "completeness", "baseline_drift", "categorical_values")
STAT_KEYS = ("num_present", "num_missing", "mean", "std_dev", "min", "max", "distinct_count")

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#222}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px}
table{border-collapse:collapse;font-size:13px} th,td{border:1px solid #ddd;padding:3px 8px}
th{background:#f3f3f3;text-align:left} td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.violating td{background:#fff7dc} tr td.violation{background:orange}
.meta td:first-child{color:#666} .desc{font-size:12px;color:#444;max-width:720px}
.features{display:grid;grid-template-columns:repeat(auto-fill,minmax(380px,1fr));gap:14px}
.feature{border:1px solid #ddd;border-radius:6px;padding:8px;break-inside:avoid}
.feature.violated{border-color:orange} .feature h3{font-size:14px;margin:0 0 4px}
.feature .stats{font-size:11px} .feature .why{font-size:12px;color:#333;margin-top:6px}
svg .tick{font-size:10px;fill:#555} svg .axis{stroke:#999} svg .empty{font-size:12px;fill:#999}
"""


@dataclass
class ReportMetadata:
    """What the report says about the execution besides its documents."""

    title: str = "Monitoring execution"
    fields: dict[str, str] = field(default_factory=dict)


def write_html_report(results: str | Path, out: str | Path, *,
                      baseline_statistics: str | Path | None = None,
                      metadata: ReportMetadata | None = None, progress=None,
                      cancel=None) -> Path:
    """Read a results folder and write its report to ``out`` (atomically).

    Raises:
        InputError / FormatError: the folder holds no monitoring documents, or ``out`` cannot
            be written.
    """
    result = load_results(results, baseline_statistics=baseline_statistics)
    return write_report_file(result, out, metadata or metadata_of_folder(Path(results)))


def write_report_file(result: ResultSet, out: str | Path, metadata: ReportMetadata, *,
                      progress=None, cancel=None) -> Path:
    """Write the report of an already loaded result (what the app shows) to ``out``."""
    text = render_html(result, metadata)
    out = Path(out)
    if out.is_dir():
        raise InputError("The report's destination is a folder; give a file name ending in "
                         ".html.", path=str(out))
    try:
        atomic.write_text(out, text)
    except OSError as error:
        raise InputError(f"The report cannot be written: {error.strerror}.",
                         path=str(out)) from error
    return out


def metadata_of_folder(folder: Path) -> ReportMetadata:
    """Metadata a local or SageMaker results folder carries in its own files."""
    fields = {"Results": str(folder)}
    drift = folder / "drift_report.json"
    if drift.is_file():
        try:
            doc = json.loads(drift.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            doc = {}
        if isinstance(doc, dict):
            for key, label in (("window_start", "Window start"), ("window_end", "Window end")):
                if doc.get(key):
                    fields[label] = str(doc[key])
    message = folder / "message"
    if message.is_file():
        fields["Status message"] = message.read_text(encoding="utf-8", errors="replace")[:2000]
    # The report layout ends in {endpoint}/{schedule}/yyyy/mm/dd/HH[...]: name it by those parts.
    named = " / ".join(folder.resolve().parts[-6:])
    return ReportMetadata(title=f"Monitoring execution {named}", fields=fields)


def render_html(result: ResultSet, meta: ReportMetadata) -> str:
    violation_rows = build_violation_rows(result.baseline_statistics, result.statistics,
                                          result.violations)
    feature_rows = build_feature_rows(result)
    known = {row.feature for row in feature_rows}
    # Features only the violations or constraints name still get a card (without a plot).
    feature_rows += [FeatureRow(row.feature, row.data_type, row.baseline_drift, math.nan,
                                math.nan, row.completeness, row.has_violation)
                     for row in violation_rows if row.feature not in known]
    feature_rows.sort(key=_drift_order)
    violating = sum(1 for r in violation_rows if r.has_violation)
    fields = {**meta.fields,
              "Features": f"{len(feature_rows):,}",
              "Violations": _count(len(result.violations), "violation"),
              "Features with violations": f"{violating:,}",
              "Baseline statistics": "present" if result.baseline_statistics else "not given",
              "Report written": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")}
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        f"<title>{html.escape(meta.title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html.escape(meta.title)}</h1>",
        _metadata_table(fields),
        *_model_quality_section(result),
        "<h2>Violations</h2>",
        _violations_table(violation_rows),
        "<h2>Distributions, current against baseline (largest drift first)</h2>",
        '<div class="features">',
        *(_feature_card(row, result) for row in feature_rows),
        "</div></body></html>",
    ]
    return "\n".join(parts)


def _model_quality_section(result: ResultSet) -> list[str]:
    rows = model_quality_rows(result)
    if not rows:
        return []
    body = []
    for name, value, std, said in rows:
        tr, cell = (' class="violating"', "num violation") if said else ("", "num")
        body.append(f"<tr{tr}><td>{html.escape(name)}</td>"
                    f'<td class="{cell}">{_number(value)}</td>'
                    f'<td class="num">{_number(std)}</td>'
                    f'<td class="desc">{html.escape(said)}</td></tr>')
    return ["<h2>Model quality</h2>",
            '<table class="model-quality"><tr><th>metric</th><th>value</th>'
            f"<th>standard deviation</th><th>violation</th></tr>{''.join(body)}</table>"]


def _metadata_table(fields: dict[str, str]) -> str:
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>"
                   for k, v in fields.items())
    return f'<table class="meta">{rows}</table>'


def _violations_table(rows: list[ViolationRow]) -> str:
    if not rows:
        return "<p>No features.</p>"
    head = "".join(f"<th>{c}</th>" for c in ("feature", *VIOLATION_COLUMNS, "descriptions"))
    body = []
    for row in rows:
        cells = [f"<td>{html.escape(row.feature)}</td>"]
        for column in VIOLATION_COLUMNS:
            value = getattr(row, column)
            text = html.escape(value) if isinstance(value, str) else _percent(value)
            cls = ["num"] if not isinstance(value, str) else []
            if row.violates(column):
                cls.append("violation")
            cells.append(f'<td class="{" ".join(cls)}">{text}</td>')
        cells.append(f'<td class="desc">{html.escape(row.description()).replace(chr(10), "<br>")}'
                     "</td>")
        tr = ' class="violating"' if row.has_violation else ""
        body.append(f"<tr{tr}>{''.join(cells)}</tr>")
    return (f'<table class="violations" width="100%"><tr>{head}</tr>{"".join(body)}'
            "</table>")


def _feature_card(row: FeatureRow, result: ResultSet) -> str:
    base = feature_map(result.baseline_statistics).get(row.feature)
    cur = feature_map(result.statistics).get(row.feature)
    svg = distribution_svg(distribution(base), distribution(cur), row.feature)
    stats = _stats_table(summary_stats(base) if base else None,
                         summary_stats(cur) if cur else None)
    why = drift_explanation(row, base, cur, result)
    cls = "feature violated" if row.violated else "feature"
    return (f'<section class="{cls}" data-feature="{html.escape(row.feature)}">'
            f"<h3>{html.escape(row.feature)}</h3>{svg}{stats}"
            f'<div class="why">{why}</div></section>')


def _stats_table(base: dict | None, cur: dict | None) -> str:
    keys = [k for k in STAT_KEYS if (base and k in base) or (cur and k in cur)]
    if not keys:
        return ""
    rows = "".join(f'<tr><td>{k}</td><td class="num">{_number((base or {}).get(k))}</td>'
                   f'<td class="num">{_number((cur or {}).get(k))}</td></tr>' for k in keys)
    return (f'<table class="stats"><tr><th></th><th>baseline</th><th>current</th></tr>'
            f"{rows}</table>")


def _drift_order(row: FeatureRow) -> tuple:
    drift = -1.0 if math.isnan(row.drift) else row.drift
    return (not row.violated, -drift, row.feature)


def _percent(value: float) -> str:
    return "N/A" if value is None or math.isnan(value) else f"{value:.2%}"


def _number(value) -> str:
    if value is None:
        return ""
    value = float(value)
    if math.isnan(value):
        return "N/A"
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.4g}"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")
