"""The data dashboard: one self-contained HTML page from the loaded days and the run records. Pure.

The page inlines Chart.js (vendored in dashboard_assets/, see its README) and its data, and a
Content-Security-Policy allows nothing else to load: it opens offline from a file or from a
presigned S3 link, with no second request.

Stable hooks for readers and tests: ``#latest-<series>``, ``#last-loaded`` and ``#dlq-depth``
carry ``data-value``; each chart canvas carries ``data-series`` and ``data-points`` (values it
shows now: the date range ``#range-from``..``#range-to`` narrows them); ``#download-csv`` is the
loaded table as ``etl export`` writes it; the runs table rows, and those of ``#awaiting-table``,
carry ``data-run-id`` and ``data-status``, their cells ``data-field`` and ``data-value``;
``body[data-charts-ready]`` is set once every chart has been drawn.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import html
import io
import json
from functools import cache
from pathlib import Path
from typing import Any

from covid_etl.records import RECORD_FIELDS
from covid_etl.triggers import trigger_kind

CHART_JS_VERSION = "4.6.1"
CHART_JS_FILE = Path(__file__).with_name("dashboard_assets") / "chart.umd.min.js"

SERIES = ("cases", "deaths", "recovered")
RUN_COUNTS = ("inserted", "updated", "unchanged", "rejected", "queued")
COLORS = {"cases": "#1f5fa8", "deaths": "#7a1f2b", "recovered": "#2a7a3b"}
NEGATIVE_COLOR = "#e8590c"
AVERAGE_COLOR = "#222222"
AVERAGE_DAYS = 7
AWAITING_APPROVAL = "AWAITING_APPROVAL"  # a run paused before its load (the approval gate)

# Draws every canvas from the JSON data block; animation off so the page is complete at load.
_PAGE_SCRIPT = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var fmt = function (v) { return Number(v).toLocaleString("en-US"); };
  var charts = [];
  document.querySelectorAll("canvas[data-series]").forEach(function (canvas) {
    var name = canvas.dataset.series;
    var daily = canvas.dataset.kind === "daily";
    var values = (daily ? data.daily : data.cumulative)[name];
    var color = data.colors[name];
    var datasets = [{
      label: (daily ? "new " : "") + name,
      data: values,
      borderColor: color,
      backgroundColor: daily
        ? values.map(function (v) { return v < 0 ? data.negative_color : color; })
        : color,
      borderWidth: daily ? 0 : 2,
      pointRadius: 0,
      barPercentage: 1,
      categoryPercentage: 1,
      order: 2
    }];
    if (daily) {
      datasets.push({
        type: "line", label: data.average_days + "-day average", data: data.average[name],
        borderColor: data.average_color, backgroundColor: data.average_color,
        borderWidth: 2, pointRadius: 0, order: 1
      });
    }
    charts.push({ canvas: canvas, full: datasets.map(function (d) {
      return { data: d.data, backgroundColor: d.backgroundColor };
    }), chart: new Chart(canvas, {
      type: daily ? "bar" : "line",
      data: { labels: data.dates, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: function (c) { return c.dataset.label + ": " + fmt(c.parsed.y); } } }
        },
        scales: {
          x: { ticks: { maxTicksLimit: 6, maxRotation: 0, autoSkipPadding: 12 } },
          y: { ticks: { callback: fmt } }
        }
      }
    }) });
  });
  // The date range: every chart shows the days from..to (inclusive) of the data it was given.
  var from = document.getElementById("range-from"), to = document.getElementById("range-to");
  var showRange = function () {
    var first = from.value || data.dates[0], last = to.value || data.dates[data.dates.length - 1];
    var start = data.dates.findIndex(function (d) { return d >= first; });
    var end = data.dates.length - 1;
    while (end >= 0 && data.dates[end] > last) { end--; }
    if (start < 0 || end < start) { start = 0; end = -1; }
    charts.forEach(function (c) {
      var slice = function (v) { return Array.isArray(v) ? v.slice(start, end + 1) : v; };
      c.chart.data.labels = data.dates.slice(start, end + 1);
      c.chart.data.datasets.forEach(function (d, i) {
        d.data = slice(c.full[i].data);
        d.backgroundColor = slice(c.full[i].backgroundColor);
      });
      c.chart.update();
      c.canvas.dataset.points = String(end + 1 - start);
    });
    document.getElementById("range-days").dataset.value = String(end + 1 - start);
    document.getElementById("range-days").textContent = String(end + 1 - start) + " day(s) shown";
  };
  if (from && to) {
    from.addEventListener("change", showRange);
    to.addEventListener("change", showRange);
  }
  document.body.dataset.chartsReady = "true";
})();
"""

_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1rem;
  color: #222; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
.meta { color: #555; margin: 0; }
.figures { display: grid; grid-template-columns: repeat(3, 1fr); gap: .75rem; margin: 0; }
.figures div { border: 1px solid #ddd; border-radius: 6px; padding: .5rem .75rem; }
.figures dt { color: #555; } .figures dd { margin: 0; font-size: 1.4rem; font-weight: 600; }
.figures .new { font-size: .9rem; font-weight: normal; color: #555; }
.charts { display: grid; grid-template-columns: repeat(3, 1fr); gap: .75rem; }
.chart h3 { font-size: .95rem; margin: 0 0 .25rem; }
.chart .box { position: relative; height: 220px; }
.note { color: #555; font-size: .85rem; margin: .25rem 0 0; }
.empty { padding: 1rem; background: #f6f6f6; border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border-bottom: 1px solid #e4e4e4; padding: .3rem .5rem; text-align: left;
  vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.status-failed { background: #fde8e8; } tr.status-failed .status { color: #a61b1b;
  font-weight: 700; }
tr.status-running .status { color: #8a5a00; font-weight: 600; }
tr.status-succeeded .status { color: #1e6b2e; }
td.nowrap { white-space: nowrap; }
.note.revised { color: #b34700; font-weight: 600; }
.table-scroll { overflow-x: auto; }
td.error { color: #a61b1b; white-space: pre-wrap; overflow-wrap: break-word; min-width: 18rem;
  max-width: 28rem; }
.controls { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; margin: .5rem 0; }
"""


def daily_new(values: list[int]) -> list[int]:
    """New per day from a cumulative series, in day order.

    The first day counts from zero (the series starts at the first case); a revision that lowers a
    cumulative figure gives a negative day, kept as it is.
    """
    return [value - previous for previous, value in zip([0, *values], values, strict=False)]


def trailing_average(values: list[int], days: int = AVERAGE_DAYS) -> list[float]:
    """Each day's mean over it and the days before it, ``days`` in all (fewer at the start)."""
    averages = []
    for i in range(len(values)):
        window = values[max(0, i - days + 1) : i + 1]
        averages.append(round(sum(window) / len(window), 1))
    return averages


def last_loaded_at(runs: list[dict[str, Any]]) -> str | None:
    """When the data was last loaded: the newest successful run's finish time."""
    finished = [
        r["finished_at"] for r in runs if r.get("status") == "SUCCEEDED" and r.get("finished_at")
    ]
    return max(finished, default=None)


def render_dashboard(
    days: list[dict[str, Any]],
    runs: list[dict[str, Any]],
    generated_at: str,
    run_limit: int = 20,
    dlq_depth: int | None = None,
) -> str:
    ordered = sorted(days, key=lambda d: d["date"])
    dates = [str(d["date"]) for d in ordered]
    cumulative = {name: [int(d[name]) for d in ordered] for name in SERIES}
    daily = {name: daily_new(values) for name, values in cumulative.items()}
    data = {
        "dates": dates,
        "cumulative": cumulative,
        "daily": daily,
        "average": {name: trailing_average(values) for name, values in daily.items()},
        "average_days": AVERAGE_DAYS,
        "colors": COLORS,
        "negative_color": NEGATIVE_COLOR,
        "average_color": AVERAGE_COLOR,
    }
    newest_runs = sorted(runs, key=lambda r: (r.get("started_at", ""), r.get("run_id", "")))[::-1]
    body = "\n".join(
        [
            "<header>",
            "<h1>US COVID-19: cumulative and daily figures</h1>",
            f'<p class="meta">Data last loaded: {_value_span("last-loaded", last_loaded_at(runs))}'
            f" &middot; {len(dates)} day(s) loaded"
            + (f" ({_e(dates[0])} to {_e(dates[-1])})" if dates else "")
            + f" &middot; page generated {_e(generated_at)}</p>",
            _dlq_line(dlq_depth),
            "</header>",
            _awaiting_section([r for r in newest_runs if r.get("status") == AWAITING_APPROVAL]),
            _latest_section(dates, cumulative, daily),
            _charts_section(dates, cumulative, daily, _export_csv(ordered)),
            _runs_section(newest_runs[:run_limit], len(runs)),
        ]
    )
    chart_js = _chart_js()
    csp = (
        "default-src 'none'; style-src 'unsafe-inline'; "
        f"script-src {_csp_hash(chart_js)} {_csp_hash(_PAGE_SCRIPT)}"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>covid-etl dashboard</title>\n"
        f"<style>{_STYLE}</style>\n</head>\n<body>\n{body}\n"
        f'<script type="application/json" id="dashboard-data">{_script_json(data)}</script>\n'
        f"<!-- Chart.js {CHART_JS_VERSION}, MIT licence, (c) Chart.js Contributors -->\n"
        f"<script>{chart_js}</script>\n"
        f"<script>{_PAGE_SCRIPT}</script>\n"
        "</body>\n</html>\n"
    )


def _latest_section(
    dates: list[str], cumulative: dict[str, list[int]], daily: dict[str, list[int]]
) -> str:
    if not dates:
        return '<section id="latest"><h2>Latest day</h2><p class="empty">No data loaded yet.</p></section>'
    figures = "".join(
        f"<div><dt>{name}</dt>"
        f'<dd id="latest-{name}" data-value="{cumulative[name][-1]}">{cumulative[name][-1]:,}</dd>'
        f'<dd class="new" id="latest-new-{name}" data-value="{daily[name][-1]}">'
        f"{daily[name][-1]:+,} on the day</dd></div>"
        for name in SERIES
    )
    return (
        f'<section id="latest" data-date="{_e(dates[-1])}">'
        f"<h2>Latest day: {_e(dates[-1])}</h2>"
        f'<dl class="figures">{figures}</dl></section>'
    )


def _export_csv(days: list[dict[str, Any]]) -> str:
    """The loaded days as ``etl export`` writes them (its columns, in date order), for the
    download link; tests/e2e/test_dashboard_browser.py compares the two."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RECORD_FIELDS)
    writer.writerows([day[name] for name in RECORD_FIELDS] for day in days)
    return out.getvalue()


def _dlq_line(depth: int | None) -> str:
    if depth is None:
        return ""
    return (
        f'<p class="meta{" revised" if depth else ""}">Retry DLQ: '
        f'<span id="dlq-depth" data-value="{depth}">{depth}</span> record(s) that repeatedly '
        "failed to load (<code>etl redrive</code> retries them)</p>"
    )


def _awaiting_section(runs: list[dict[str, Any]]) -> str:
    heading = f"<h2>Runs awaiting approval: {len(runs)}</h2>"
    if not runs:
        return f'<section id="awaiting">{heading}</section>'
    rows = "".join(
        f'<tr data-run-id="{_e(r.get("run_id", ""))}" data-status="{AWAITING_APPROVAL}">'
        f'<td data-field="run_id">{_e(r.get("run_id", ""))}</td>'
        f'<td class="nowrap" data-field="started_at">{_e(r.get("started_at", ""))}</td>'
        f'<td class="error" data-field="approval_reason" data-value="'
        f'{_e(r.get("approval_reason") or "")}">{_e(r.get("approval_reason") or "—")}</td></tr>'
        for r in runs
    )
    return (
        f'<section id="awaiting">{heading}<div class="table-scroll"><table id="awaiting-table">'
        "<thead><tr><th>Run</th><th>Started</th><th>Reason</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div></section>"
    )


def _charts_section(
    dates: list[str], cumulative: dict[str, list[int]], daily: dict[str, list[int]], csv_text: str
) -> str:
    if not dates:
        return (
            '<section id="charts"><h2>Over time</h2>'
            '<p class="empty">No data loaded yet: the charts appear after the first load.</p>'
            "</section>"
        )
    download = base64.b64encode(csv_text.encode()).decode("ascii")
    parts = [
        '<section id="charts">',
        (
            '<div class="controls">'
            f'<label>From <input type="date" id="range-from" min="{_e(dates[0])}"'
            f' max="{_e(dates[-1])}" value="{_e(dates[0])}"></label>'
            f'<label>to <input type="date" id="range-to" min="{_e(dates[0])}"'
            f' max="{_e(dates[-1])}" value="{_e(dates[-1])}"></label>'
            f'<span id="range-days" data-value="{len(dates)}">{len(dates)} day(s) shown</span>'
            '<a id="download-csv" download="covid-etl-daily.csv"'
            f' href="data:text/csv;base64,{download}">Download the loaded data (CSV)</a></div>'
        ),
    ]
    for kind, title, values in (
        ("cumulative", "Cumulative", cumulative),
        ("daily", f"Daily new (from the cumulative series), {AVERAGE_DAYS}-day average", daily),
    ):
        parts += [f"<h2>{title}</h2>", '<div class="charts">']
        for name in SERIES:
            parts.append(
                f'<div class="chart"><h3>{name}</h3><div class="box">'
                f'<canvas id="chart-{kind}-{name}" data-kind="{kind}" data-series="{name}"'
                f' data-points="{len(values[name])}" role="img"'
                f' aria-label="{kind} {name} per day"></canvas></div>'
            )
            if kind == "daily":
                negative = sum(1 for v in values[name] if v < 0)
                parts.append(
                    f'<p class="note{" revised" if negative else ""}" id="negative-days-{name}"'
                    f' data-value="{negative}">'
                    f"{negative} day(s) below zero (revisions of the cumulative figure)</p>"
                )
            parts.append("</div>")
        parts.append("</div>")
    parts.append("</section>")
    return "\n".join(parts)


def _runs_section(runs: list[dict[str, Any]], total: int) -> str:
    heading = f"<h2>Last {len(runs)} run(s) of {total}, newest first</h2>"
    if not runs:
        return f'<section id="runs">{heading}<p class="empty">No runs yet.</p></section>'
    header = "".join(
        ["<th>Run</th><th>Status</th><th>Trigger</th><th>Run date</th><th>Started</th>"]
        + ['<th class="num">Duration</th>']
        + [f'<th class="num">{name}</th>' for name in RUN_COUNTS]
        + ["<th>Error</th>"]
    )
    rows = [_run_row(run) for run in runs]
    return (
        f'<section id="runs">{heading}<div class="table-scroll"><table id="runs-table">'
        f"<thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table></div></section>"
    )


def _run_row(run: dict[str, Any]) -> str:
    status = str(run.get("status", "UNKNOWN"))
    counts = run.get("counts") or {}
    duration = run.get("duration_seconds")
    cells = [
        f'<td data-field="run_id">{_e(run.get("run_id", ""))}</td>',
        f'<td class="status" data-field="status">{"✗ " if status == "FAILED" else ""}{_e(status)}</td>',
        f'<td data-field="trigger">{_e(trigger_kind(run.get("trigger") or {}))}</td>',
        f'<td class="nowrap" data-field="run_date">{_e(run.get("run_date", ""))}</td>',
        f'<td class="nowrap" data-field="started_at">{_e(run.get("started_at", ""))}</td>',
        _num_cell("duration_seconds", duration, _duration(duration)),
    ]
    cells += [
        _num_cell(
            name, counts.get(name), "—" if counts.get(name) is None else f"{int(counts[name]):,}"
        )
        for name in RUN_COUNTS
    ]
    cells.append(f'<td class="error" data-field="error">{_e(run.get("error") or "")}</td>')
    return (
        f'<tr class="run status-{_e(status.lower())}" data-run-id="{_e(run.get("run_id", ""))}"'
        f' data-status="{_e(status)}">{"".join(cells)}</tr>'
    )


def _num_cell(field: str, value: Any, text: str) -> str:
    raw = "" if value is None else _e(value)
    return f'<td class="num" data-field="{field}" data-value="{raw}">{_e(text)}</td>'


def _duration(seconds: Any) -> str:
    if seconds is None:
        return "—"
    total = float(seconds)
    minutes, rest = divmod(total, 60)
    return f"{int(minutes)}m {rest:04.1f}s" if minutes else f"{rest:.1f}s"


def _value_span(element_id: str, value: str | None) -> str:
    return f'<span id="{element_id}" data-value="{_e(value or "")}">{_e(value or "never")}</span>'


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _script_json(data: Any) -> str:
    # Inside <script> only "</" can end the element; escaping <, > and & rules out any markup.
    text = json.dumps(data, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@cache
def _chart_js() -> str:
    # The source-map comment would point devtools at a file the page does not ship.
    text = CHART_JS_FILE.read_text(encoding="utf-8")
    if "</script" in text.lower():
        raise ValueError(f"{CHART_JS_FILE} contains '</script' and cannot be inlined")
    return "\n".join(
        line for line in text.splitlines() if not line.startswith("//# sourceMappingURL=")
    )
