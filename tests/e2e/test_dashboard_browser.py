"""The dashboard page in a real browser: Debian's Chromium (`make browser`) driven by Playwright.

Playwright launches /usr/bin/chromium (never a browser build of its own: `playwright install`
cannot download here) with flags that keep it off the network. The test reads what a reader sees
(the charts Chart.js drew and their pixels, the latest figures, the runs table), fails on any
JavaScript error, console error or request the page makes (each request is also aborted), and
keeps a screenshot in test-output/dashboard.png.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import process_state_kept, saved_runs
from playwright.sync_api import Browser, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from covid_etl import dashboard
from covid_etl.dashboard import render_dashboard
from etl_tools.cli import main
from etl_tools.local.runner import embedded_aws, run_pipeline
from etl_tools.local.sources_server import DEFAULT_FILES, SourcesServer, cut_at

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "test-output" / "dashboard.png"
SERIES = ("cases", "deaths", "recovered")
RUN_COUNTS = ("inserted", "updated", "unchanged", "rejected", "queued")
# A drawn series covers at least this many pixels of its colour; an empty chart has none.
MIN_INKED_PIXELS = 200

# Keep Chromium off the network (Playwright adds its own defaults, and a throwaway profile;
# these are the ones this test relies on, checked on chrome://version below).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
VIEWPORT = {"width": 1280, "height": 900}
TIMEOUT_MS = 20_000

# Runs in the page: what Chart.js drew for each canvas, the pixels of its colour, the figures
# and the runs table as displayed.
INSPECT = """
(() => {
  const data = JSON.parse(document.getElementById("dashboard-data").textContent);
  const value = (id) => { const e = document.getElementById(id); return e ? e.dataset.value : null; };
  const inked = (canvas, hex) => {
    const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    const px = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let n = 0;
    for (let i = 0; i < px.length; i += 4) {
      if (px[i + 3] > 200 && Math.abs(px[i] - r) + Math.abs(px[i + 1] - g) + Math.abs(px[i + 2] - b) < 40) n++;
    }
    return n;
  };
  return {
    ready: document.body.dataset.chartsReady === "true",
    charts: [...document.querySelectorAll("canvas[data-series]")].map((canvas) => {
      const chart = typeof Chart === "undefined" ? undefined : Chart.getChart(canvas);
      const drawn = chart ? chart.getDatasetMeta(0).data : [];
      return {
        id: canvas.id,
        declared: Number(canvas.dataset.points),
        labels: chart ? chart.data.labels.length : 0,
        drawn: drawn.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).length,
        inked: inked(canvas, data.colors[canvas.dataset.series]),
      };
    }),
    latest: Object.fromEntries(
      ["cases", "deaths", "recovered"].map((name) => [name, value("latest-" + name)])
    ),
    latestDate: document.getElementById("latest").dataset.date || null,
    lastLoaded: value("last-loaded"),
    runs: [...document.querySelectorAll("#runs-table tbody tr")].map((tr) => Object.assign(
      { run_id: tr.dataset.runId, status: tr.dataset.status,
        background: getComputedStyle(tr).backgroundColor },
      Object.fromEntries([...tr.querySelectorAll("td[data-value]")].map(
        (td) => [td.dataset.field, td.dataset.value]))
    )),
  };
})()
"""


@dataclass
class PageState:
    """What the browser showed, and what went wrong while it did."""

    url: str
    facts: dict[str, Any]
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def view(browser: Browser, html_path: Path, screenshot: Path | None = None) -> PageState:
    """Open the page as a reader would and report what it showed and every error or request."""
    url = html_path.resolve().as_uri()
    state = PageState(url=url, facts={})
    context = browser.new_context(viewport=VIEWPORT)
    try:
        # Whatever the page asks for beyond itself is recorded (below) and never fetched.
        context.route(lambda requested: requested != url, lambda route: route.abort())
        page = context.new_page()
        page.on("request", lambda r: r.url != url and state.requests.append(r.url))
        page.on("pageerror", lambda e: state.errors.append(f"JavaScript exception: {e.name}: {e}"))
        page.on(
            "console",
            lambda m: (
                m.type in ("error", "assert") and state.errors.append(f"console.{m.type}: {m.text}")
            ),
        )
        page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
        try:
            page.wait_for_function(
                "document.body.dataset.chartsReady === 'true'", timeout=TIMEOUT_MS
            )
            ready = True
        except PlaywrightTimeout:
            ready = False
        state.facts = page.evaluate(INSPECT)
        state.facts["ready"] = ready and state.facts["ready"]
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=screenshot, full_page=True)
        return state
    finally:
        context.close()


def problems(
    state: PageState, days: list[dict], runs: list[dict], run_limit: int = 20
) -> list[str]:
    """Everything the reader would see wrong, against the data the page was made from."""
    found = [*state.errors] + [f"the page requested {url}" for url in state.requests]
    facts = state.facts
    if not facts["ready"]:
        found.append("the charts never finished drawing")
    expected_charts = {
        f"chart-{kind}-{name}" for kind in ("cumulative", "daily") for name in SERIES
    }
    charts = {c["id"]: c for c in facts["charts"]}
    if days and set(charts) != expected_charts:
        found.append(f"charts shown {sorted(charts)}, expected {sorted(expected_charts)}")
    for chart_id, chart in sorted(charts.items()):
        if chart["drawn"] == 0 or chart["inked"] < MIN_INKED_PIXELS:
            found.append(f"{chart_id} is empty ({chart['drawn']} points, {chart['inked']} pixels)")
        counts = (chart["drawn"], chart["labels"], chart["declared"])
        if counts != (len(days),) * 3:
            found.append(
                f"{chart_id}: drawn/labels/declared points {counts}, days loaded {len(days)}"
            )
    if days:
        latest = max(days, key=lambda d: d["date"])
        shown = {name: int(v) if v else None for name, v in facts["latest"].items()}
        if facts["latestDate"] != latest["date"] or shown != {n: latest[n] for n in SERIES}:
            found.append(f"latest figures {facts['latestDate']} {shown}, table has {latest}")
    # Newest first; runs started in the same second (started_at's unit) by run id, as the page
    # orders them (covid_etl/dashboard.py).
    newest = sorted(runs, key=lambda r: (r["started_at"], r["run_id"]), reverse=True)[:run_limit]
    expected_rows = [
        {"run_id": r["run_id"], "status": r["status"]}
        | {name: str(r.get("counts", {}).get(name, "")) for name in RUN_COUNTS}
        for r in newest
    ]
    shown_rows = (
        [{k: row.get(k) for k in expected_rows[0]} for row in facts["runs"]] if runs else []
    )
    if shown_rows != expected_rows:
        found.append(f"runs table {shown_rows} != runs {expected_rows}")
    succeeded = [r["finished_at"] for r in runs if r["status"] == "SUCCEEDED"]
    if facts["lastLoaded"] != (max(succeeded) if succeeded else ""):
        found.append(f"'data last loaded' shows {facts['lastLoaded']!r}")
    return found


def cli_output(*argv: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(list(argv)) == 0
    return out.getvalue()


@pytest.fixture(scope="module")
def dashboard_state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The state dir three real local runs left (the failed one between two that loaded)."""
    state_dir = tmp_path_factory.mktemp("state")
    with (
        process_state_kept(),
        SourcesServer() as server,
        embedded_aws(state_dir, source_urls=server.urls) as stack,
    ):
        for as_of, fault in (
            ("2020-10-06", None),
            ("2020-10-07", "transform_sources"),
            ("2020-10-07", None),
        ):
            day = date.fromisoformat(as_of)
            server.bodies = {s: cut_at(f.read_bytes(), s, day) for s, f in DEFAULT_FILES.items()}
            stack.bridge.raise_in = {fault} if fault else set()
            run_pipeline(stack, trigger={"as_of": as_of})
    return state_dir


@pytest.fixture(scope="module")
def exported(dashboard_state_dir: Path) -> str:
    """What `etl export` prints for the state dir (once for the module: ~1.5 s a command)."""
    with process_state_kept():
        return cli_output("export", "--state-dir", str(dashboard_state_dir))


@pytest.fixture(scope="module")
def dashboard_page(dashboard_state_dir: Path, exported: str) -> tuple[Path, list[dict], list[dict]]:
    """The page the runs left, with `etl export` and the runs (as `etl runs --json` prints
    them, conftest.saved_runs) read back from the same state dir."""
    page = dashboard_state_dir / "dashboard" / "index.html"
    rows = csv.DictReader(io.StringIO(exported))
    days = [{k: (v if k == "date" else int(v)) for k, v in row.items()} for row in rows]
    return page, days, saved_runs(dashboard_state_dir)


def chromium_executable() -> str:
    """Debian's Chromium; without it the test fails (it never skips) and says how to install it."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed: run `make browser` (Debian package chromium)")
    return chromium


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium for the module; each view opens a fresh context (its own profile)."""
    chromium = chromium_executable()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=list(CHROMIUM_FLAGS))
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def shown(dashboard_page: tuple[Path, list[dict], list[dict]], browser: Browser) -> PageState:
    """The page as the browser showed it, once for the module; the screenshot is kept."""
    return view(browser, dashboard_page[0], screenshot=SCREENSHOT)


def test_a_missing_chromium_fails_the_test_and_names_the_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(pytest.fail.Exception, match="run `make browser`"):
        chromium_executable()


def test_chromium_runs_with_the_flags_that_keep_it_off_the_network(browser: Browser) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto("chrome://version", timeout=TIMEOUT_MS)
        command_line = page.inner_text("#command_line")
    finally:
        context.close()
    assert set(CHROMIUM_FLAGS) <= set(command_line.split()), command_line


def test_the_page_shows_every_day_the_latest_figures_and_the_runs(shown, dashboard_page):
    _, days, runs = dashboard_page
    assert len(days) > 200  # the real files overlap on 261 days
    assert problems(shown, days, runs) == []
    assert all(chart["drawn"] == len(days) for chart in shown.facts["charts"])
    rows = shown.facts["runs"]
    assert sorted(r["status"] for r in rows) == ["FAILED", "SUCCEEDED", "SUCCEEDED"]
    # The failed run stands out: its row alone is tinted.
    [failed] = [r["background"] for r in rows if r["status"] == "FAILED"]
    assert len({r["background"] for r in rows}) == 2
    assert [r["background"] for r in rows].count(failed) == 1
    assert SCREENSHOT.stat().st_size > 10_000


def test_the_checks_catch_a_page_that_disagrees_with_the_data(shown, dashboard_page):
    _, days, runs = dashboard_page
    fewer_days = problems(shown, days[:-1], runs)
    assert any(f"days loaded {len(days) - 1}" in p for p in fewer_days)
    assert any(p.startswith("latest figures") for p in fewer_days)
    other_runs = problems(shown, days, runs[:-1])  # without the oldest run
    assert any(p.startswith("runs table") for p in other_runs)
    assert all(p.startswith("runs table") for p in other_runs)
    revised = [dict(r) for r in runs]
    revised[-1]["counts"] = revised[-1]["counts"] | {"unchanged": 260, "queued": 1}
    assert any(p.startswith("runs table") for p in problems(shown, days, revised))


def _data_of(page: str) -> tuple[re.Match[str], dict]:
    match = re.search(
        r'(<script type="application/json" id="dashboard-data">)(.*?)(</script>)', page
    )
    assert match is not None
    return match, json.loads(match.group(2))


def test_an_empty_series_is_detected(dashboard_page, browser, tmp_path: Path):
    page_path, days, runs = dashboard_page
    page = page_path.read_text(encoding="utf-8")
    match, data = _data_of(page)
    data["cumulative"]["deaths"] = []
    broken = tmp_path / "index.html"
    broken.write_text(page.replace(match.group(2), json.dumps(data)), encoding="utf-8")
    found = problems(view(browser, broken), days, runs)
    assert any(p.startswith("chart-cumulative-deaths is empty") for p in found), found
    assert not any("chart-cumulative-cases" in p for p in found), found


def test_a_javascript_error_is_detected(dashboard_page, browser, tmp_path: Path, monkeypatch):
    _, days, runs = dashboard_page
    # The error is part of the page's own (hashed, so allowed) script: a real exception at load.
    monkeypatch.setattr(dashboard, "_PAGE_SCRIPT", dashboard._PAGE_SCRIPT + "null.boom;\n")
    broken = tmp_path / "index.html"
    broken.write_text(render_dashboard(days, runs, "2020-10-11T06:00:21Z"), encoding="utf-8")
    found = problems(view(browser, broken), days, runs)
    assert any(p.startswith("JavaScript exception: TypeError") for p in found), found


def test_a_page_that_reaches_for_the_network_is_detected(dashboard_page, browser, tmp_path: Path):
    page_path, days, runs = dashboard_page
    page = page_path.read_text(encoding="utf-8")
    broken = tmp_path / "index.html"
    broken.write_text(
        page.replace("<body>", '<body><img src="http://127.0.0.1:9/chart.js" alt="">', 1),
        encoding="utf-8",
    )
    found = problems(view(browser, broken), days, runs)
    assert any("127.0.0.1:9/chart.js" in p for p in found), found


@contextlib.contextmanager
def opened(browser: Browser, html_path: Path, width: int = VIEWPORT["width"]) -> Iterator[Any]:
    """The page drawn in a fresh context (nothing beyond the page itself is fetched)."""
    url = html_path.resolve().as_uri()
    context = browser.new_context(viewport={**VIEWPORT, "width": width}, accept_downloads=True)
    try:
        context.route(lambda requested: requested.startswith("http"), lambda r: r.abort())
        page = context.new_page()
        page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
        page.wait_for_function("document.body.dataset.chartsReady === 'true'", timeout=TIMEOUT_MS)
        yield page
    finally:
        context.close()


# What each chart shows now: its labels, the points it declares, and the length of each dataset.
SHOWN_RANGE = """
[...document.querySelectorAll("canvas[data-series]")].map((canvas) => {
  const chart = Chart.getChart(canvas);
  return { id: canvas.id, first: chart.data.labels[0], labels: chart.data.labels.length,
           declared: Number(canvas.dataset.points),
           datasets: chart.data.datasets.map((d) => [d.label, d.data.length]) };
})
"""


def choose_range(page: Any, start: str, end: str) -> None:
    page.fill("#range-from", start)
    page.dispatch_event("#range-from", "change")
    page.fill("#range-to", end)
    page.dispatch_event("#range-to", "change")


def test_the_date_range_changes_every_chart_and_the_daily_ones_carry_a_7_day_average(
    dashboard_page, browser
):
    page_path, days, _ = dashboard_page
    start, end = days[100]["date"], days[129]["date"]
    with opened(browser, page_path) as page:
        before = page.evaluate(SHOWN_RANGE)
        choose_range(page, start, end)
        after = page.evaluate(SHOWN_RANGE)
        shown_days = page.get_attribute("#range-days", "data-value")
    assert {(c["labels"], c["declared"]) for c in before} == {(len(days), len(days))}
    assert {(c["first"], c["labels"], c["declared"]) for c in after} == {(start, 30, 30)}
    assert shown_days == "30"
    for chart in after:
        lengths = [length for _, length in chart["datasets"]]
        if chart["id"].startswith("chart-daily-"):
            assert [label for label, _ in chart["datasets"]][1] == "7-day average", chart
            assert lengths == [30, 30], chart
        else:
            assert lengths == [30], chart


def test_the_download_is_what_etl_export_prints(dashboard_page, exported, browser):
    with opened(browser, dashboard_page[0]) as page:
        with page.expect_download(timeout=TIMEOUT_MS) as download:
            page.click("#download-csv")
        downloaded = Path(download.value.path()).read_text(encoding="utf-8")
    assert downloaded == exported
    assert downloaded.count("\n") == len(dashboard_page[1]) + 1


def test_the_runs_table_keeps_errors_readable_on_a_narrow_screen(dashboard_page, browser):
    """A phone-wide page: the error column keeps a readable width (the table scrolls sideways)
    instead of wrapping the message a letter or two per line."""
    with opened(browser, dashboard_page[0], width=420) as page:
        widths = page.evaluate(
            """[...document.querySelectorAll('#runs-table td[data-field="error"]')]
                 .filter((td) => td.textContent).map((td) => td.getBoundingClientRect().width)"""
        )
    assert widths and min(widths) >= 250, widths
