"""Small inline SVG bar charts of one feature, current against baseline, for the HTML report.

Hand-written SVG keeps the report self-contained (no plotting library, no scripts, no network)
and small: a chart is a few dozen elements, so 500 features stay in the low megabytes.
"""

from __future__ import annotations

import html
import math

from core.report.results import Distribution

WIDTH, HEIGHT = 360, 150
PAD_LEFT, PAD_BOTTOM, PAD_TOP = 34, 34, 8
BASELINE_COLOR = "#8da0cb"
CURRENT_COLOR = "#fc8d62"
MAX_LABEL_CHARS = 10


def distribution_svg(baseline: Distribution, current: Distribution, title: str) -> str:
    """Baseline and current distributions of one feature as one SVG element."""
    if baseline.kind == "none" and current.kind == "none":
        return _frame(title, '<text x="50%" y="50%" text-anchor="middle" class="empty">'
                             'no distribution</text>')
    if "categorical" in (baseline.kind, current.kind):
        return _frame(title, _categorical_bars(baseline, current))
    return _frame(title, _numeric_bars(baseline, current))


def _frame(title: str, body: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{html.escape(title)}">'
            f'<title>{html.escape(title)}</title>{body}</svg>')


def _numeric_bars(baseline: Distribution, current: Distribution) -> str:
    """Both histograms on one value axis: each bucket drawn over its own [low, high) range."""
    spans = [(k - d.width / 2, k + d.width / 2, f) for d in (baseline, current)
             if d.kind == "numeric" for k, f in zip(d.keys, d.frequencies)]
    low = min(s[0] for s in spans)
    high = max(s[1] for s in spans)
    if not math.isfinite(low) or not math.isfinite(high):
        return ""
    if high <= low:
        low, high = low - 0.5, high + 0.5
    top = max(s[2] for s in spans) or 1.0
    plot_w = WIDTH - PAD_LEFT - 4
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP

    def x(value: float) -> float:
        return PAD_LEFT + (value - low) / (high - low) * plot_w

    parts = [_axes(top)]
    for dist, color, cls in ((baseline, BASELINE_COLOR, "baseline"),
                             (current, CURRENT_COLOR, "current")):
        if dist.kind != "numeric":
            continue
        for key, freq in zip(dist.keys, dist.frequencies):
            left, right = x(key - dist.width / 2), x(key + dist.width / 2)
            h = freq / top * plot_h
            parts.append(f'<rect class="{cls}" x="{left:.1f}" y="{PAD_TOP + plot_h - h:.1f}" '
                         f'width="{max(right - left, 0.5):.1f}" height="{h:.1f}" '
                         f'fill="{color}" fill-opacity="0.6"/>')
    base_y = HEIGHT - PAD_BOTTOM + 12
    parts.append(f'<text x="{PAD_LEFT}" y="{base_y}" class="tick">{_number(low)}</text>')
    parts.append(f'<text x="{WIDTH - 4}" y="{base_y}" text-anchor="end" class="tick">'
                 f'{_number(high)}</text>')
    return "".join(parts) + _legend()


def _categorical_bars(baseline: Distribution, current: Distribution) -> str:
    """Grouped bars for the categories of either side (current's order, then baseline's)."""
    base = dict(zip(baseline.keys, baseline.frequencies)) if baseline.kind == "categorical" else {}
    cur = dict(zip(current.keys, current.frequencies)) if current.kind == "categorical" else {}
    categories = list(dict.fromkeys([*cur, *base]))[:10]
    top = max([*base.values(), *cur.values(), 0.0]) or 1.0
    plot_w = WIDTH - PAD_LEFT - 4
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    slot = plot_w / max(len(categories), 1)
    parts = [_axes(top)]
    for i, category in enumerate(categories):
        for j, (shares, color, cls) in enumerate(((base, BASELINE_COLOR, "baseline"),
                                                  (cur, CURRENT_COLOR, "current"))):
            h = shares.get(category, 0.0) / top * plot_h
            left = PAD_LEFT + i * slot + slot * (0.1 + 0.4 * j)
            parts.append(f'<rect class="{cls}" x="{left:.1f}" y="{PAD_TOP + plot_h - h:.1f}" '
                         f'width="{slot * 0.4:.1f}" height="{h:.1f}" fill="{color}"/>')
        label = str(category)
        short = label if len(label) <= MAX_LABEL_CHARS else label[:MAX_LABEL_CHARS - 1] + "…"
        parts.append(f'<text x="{PAD_LEFT + (i + 0.5) * slot:.1f}" '
                     f'y="{HEIGHT - PAD_BOTTOM + 12}" text-anchor="middle" class="tick">'
                     f'<title>{html.escape(label)}</title>{html.escape(short)}</text>')
    return "".join(parts) + _legend()


def _axes(top: float) -> str:
    bottom = HEIGHT - PAD_BOTTOM
    return (f'<line x1="{PAD_LEFT}" y1="{PAD_TOP}" x2="{PAD_LEFT}" y2="{bottom}" class="axis"/>'
            f'<line x1="{PAD_LEFT}" y1="{bottom}" x2="{WIDTH - 4}" y2="{bottom}" class="axis"/>'
            f'<text x="{PAD_LEFT - 3}" y="{PAD_TOP + 8}" text-anchor="end" class="tick">'
            f'{top:.0%}</text>'
            f'<text x="{PAD_LEFT - 3}" y="{bottom}" text-anchor="end" class="tick">0</text>')


def _legend() -> str:
    y = HEIGHT - 6
    return (f'<rect x="{PAD_LEFT}" y="{y - 8}" width="10" height="8" fill="{BASELINE_COLOR}"/>'
            f'<text x="{PAD_LEFT + 14}" y="{y}" class="tick">baseline</text>'
            f'<rect x="{PAD_LEFT + 80}" y="{y - 8}" width="10" height="8" '
            f'fill="{CURRENT_COLOR}"/>'
            f'<text x="{PAD_LEFT + 94}" y="{y}" class="tick">current</text>')


def _number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:.4g}"
