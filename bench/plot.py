"""The scale benchmark's growth as an SVG (time and peak RSS against rows), written by hand:
no plotting library in the bench extras, and the file diffs as text."""

from __future__ import annotations

import math
from typing import Any

WIDTH, HEIGHT, MARGIN = 360, 260, 56
SERIES = (("library", "#1f77b4"), ("pyarrow", "#ff7f0e"))
PANELS = (("seconds", "time (s)"), ("peak_rss_mb", "peak RSS (MB)"))


def _scale(values: list[float], length: float) -> tuple[float, float, Any]:
    low, high = math.log10(min(values)), math.log10(max(values))
    span = (high - low) or 1.0
    return low, high, lambda v: (math.log10(v) - low) / span * length


def _text(x: float, y: float, text: str, anchor: str = "start", colour: str = "#000") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{colour}">{text}</text>'


def _panel(growth: list[dict[str, Any]], figure: str, title: str, left: float) -> list[str]:
    rows = [g["rows"] for g in growth]
    values = [g[f"{name}_{figure}"] for g in growth for name, _ in SERIES]
    plot_w, plot_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN
    *_, x_of = _scale(rows, plot_w)
    low, high, y_of = _scale(values, plot_h)

    def point(row: int, value: float) -> str:
        return f"{left + MARGIN + x_of(row):.1f},{HEIGHT - MARGIN - y_of(value):.1f}"

    bottom = HEIGHT - MARGIN
    out = [
        _text(left + WIDTH / 2, 20, f"{title} vs rows (log-log)", "middle"),
        f'<rect x="{left + MARGIN}" y="{MARGIN}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#999"/>',
        _text(left + MARGIN, bottom + 16, f"{rows[0]:,}"),
        _text(left + WIDTH - MARGIN, bottom + 16, f"{rows[-1]:,}", "end"),
        _text(left + MARGIN - 4, bottom, f"{10**low:,.2f}", "end"),
        _text(left + MARGIN - 4, MARGIN + 10, f"{10**high:,.0f}", "end"),
    ]
    for n, (name, colour) in enumerate(SERIES):
        points = " ".join(point(g["rows"], g[f"{name}_{figure}"]) for g in growth)
        out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        out.append(_text(left + MARGIN + 8, MARGIN + 16 + 14 * n, name, colour=colour))
    return out


def growth_svg(growth: list[dict[str, Any]]) -> str:
    """Two log-log panels, time and peak RSS, library against pyarrow's read, one point a size."""
    body = [
        line
        for n, (figure, title) in enumerate(PANELS)
        for line in _panel(growth, figure, title, n * WIDTH)
    ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * WIDTH}" height="{HEIGHT}" '
        'font-family="sans-serif" font-size="11">\n' + "\n".join(body) + "\n</svg>\n"
    )
