"""The dashboard page: derivation, ordering, escaping and empty inputs, read back from the HTML."""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import pytest

from covid_etl import dashboard
from covid_etl.dashboard import daily_new, last_loaded_at, render_dashboard
from etl_tools.local import dashboard_server

GENERATED = "2024-05-03T06:05:00Z"
VOID_ELEMENTS = {"meta", "br", "img", "input", "link", "hr"}


class Page(HTMLParser):
    """Elements of a rendered page: attributes and text by id, the runs table rows, the scripts."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.by_id: dict[str, dict[str, str]] = {}
        self.text_by_id: dict[str, str] = {}
        self.rows: list[dict[str, str]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self.canvases: list[dict[str, str]] = []
        self.tags: list[tuple[str, dict[str, str]]] = []
        self._open: list[tuple[str, str | None]] = []
        self._cell: str | None = None
        self._script: dict[str, str] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append((tag, a))
        if "id" in a:
            self.by_id[a["id"]] = a
            self.text_by_id[a["id"]] = ""
        if tag not in VOID_ELEMENTS:
            self._open.append((tag, a.get("id")))
        if tag == "tr" and "data-run-id" in a:
            self.rows.append({"data-run-id": a["data-run-id"], "data-status": a["data-status"]})
        if tag == "td" and self.rows:
            self._cell = a.get("data-field")
            self.rows[-1][f"{self._cell}.value"] = a.get("data-value", "")
        if tag == "canvas":
            self.canvases.append(a)
        if tag == "script":
            self._script = a

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open.pop()[0] != tag:
            pass
        if tag == "td":
            self._cell = None

    def handle_data(self, data: str) -> None:
        for _, element_id in self._open:
            if element_id:
                self.text_by_id[element_id] += data
        if self._cell and self.rows:
            self.rows[-1][self._cell] = self.rows[-1].get(self._cell, "") + data
        if self._script is not None:
            self.scripts.append((self._script, data))
            self._script = None

    def data(self) -> dict:
        return json.loads(self.text_by_id["dashboard-data"])


def day(date: str, cases: int, deaths: int = 0, recovered: int = 0) -> dict:
    return {"date": date, "cases": cases, "deaths": deaths, "recovered": recovered}


def run(run_id: str, started: str, status: str = "SUCCEEDED", **extra) -> dict:
    record = {"run_id": run_id, "status": status, "started_at": started, "run_date": started[:10]}
    return record | extra


def test_daily_new_is_the_difference_from_the_day_before_and_keeps_negative_revisions():
    assert daily_new([1, 3, 2, 5]) == [1, 2, -1, 3]
    assert daily_new([]) == []


def test_days_in_any_order_are_charted_in_date_order_with_the_latest_figures():
    days = [
        day("2020-03-03", 50, 3, 9),
        day("2020-03-01", 10, 1, 2),
        day("2020-03-02", 40, 1, 4),
        day("2020-03-04", 45, 4, 12),  # a revision: cases go down by 5
    ]
    page = Page(render_dashboard(days, [], GENERATED))
    data = page.data()
    assert data["dates"] == ["2020-03-01", "2020-03-02", "2020-03-03", "2020-03-04"]
    assert data["cumulative"]["cases"] == [10, 40, 50, 45]
    assert data["daily"]["cases"] == [10, 30, 10, -5]
    assert data["daily"]["recovered"] == [2, 2, 5, 3]
    assert page.by_id["latest"]["data-date"] == "2020-03-04"
    assert page.by_id["latest-cases"]["data-value"] == "45"
    assert page.by_id["latest-deaths"]["data-value"] == "4"
    assert page.by_id["latest-recovered"]["data-value"] == "12"
    assert page.by_id["latest-new-cases"]["data-value"] == "-5"
    assert page.text_by_id["latest-new-cases"].startswith("-5")
    assert page.by_id["negative-days-cases"]["data-value"] == "1"
    assert page.by_id["negative-days-deaths"]["data-value"] == "0"
    charts = {(c["data-kind"], c["data-series"]): c["data-points"] for c in page.canvases}
    assert charts == {
        (kind, name): "4" for kind in ("cumulative", "daily") for name in dashboard.SERIES
    }


def test_runs_are_listed_newest_first_limited_and_failed_runs_stand_out():
    runs = [
        run(f"r{i}", f"2024-05-0{i}T06:00:00Z", finished_at=f"2024-05-0{i}T06:01:00Z")
        for i in range(1, 6)
    ]
    runs[3] = run("r4", "2024-05-04T06:00:00Z", "FAILED", error="source nyt: no date column")
    page = Page(render_dashboard([], runs, GENERATED, run_limit=3))
    assert [(r["data-run-id"], r["data-status"], r["status"]) for r in page.rows] == [
        ("r5", "SUCCEEDED", "SUCCEEDED"),
        ("r4", "FAILED", "✗ FAILED"),
        ("r3", "SUCCEEDED", "SUCCEEDED"),
    ]
    failed = next(a for tag, a in page.tags if tag == "tr" and a.get("data-run-id") == "r4")
    assert "status-failed" in failed["class"].split()
    assert page.rows[1]["error"] == "source nyt: no date column"
    assert "Last 3 run(s) of 5" in page.text_by_id["runs"]


def test_data_last_loaded_is_the_newest_successful_finish_not_a_later_failure():
    runs = [
        run("a", "2024-05-01T06:00:00Z", finished_at="2024-05-01T06:02:00Z"),
        run("b", "2024-05-02T06:00:00Z", finished_at="2024-05-02T06:02:00Z"),
        run("c", "2024-05-03T06:00:00Z", "FAILED", finished_at="2024-05-03T06:00:30Z"),
        run("d", "2024-05-04T06:00:00Z", "RUNNING"),
    ]
    assert last_loaded_at(runs) == "2024-05-02T06:02:00Z"
    page = Page(render_dashboard([day("2020-03-01", 1)], runs, GENERATED))
    assert page.by_id["last-loaded"]["data-value"] == "2024-05-02T06:02:00Z"


def test_counts_and_duration_of_a_run_are_shown_and_missing_ones_are_marked_not_invented():
    counts = {"inserted": 3, "updated": 1, "unchanged": 250, "rejected": 2, "queued": 0}
    runs = [
        run("ok", "2024-05-01T06:00:00Z", counts=counts, duration_seconds=83.4),
        run("bad", "2024-05-02T06:00:00Z", "FAILED", counts={"rejected": 7}),
    ]
    page = Page(render_dashboard([], runs, GENERATED))
    bad, ok = page.rows
    assert {name: ok[f"{name}.value"] for name in counts} == {k: str(v) for k, v in counts.items()}
    assert ok["duration_seconds"] == "1m 23.4s"
    assert ok["unchanged"] == "250"
    assert bad["rejected.value"] == "7"
    assert bad["inserted.value"] == "" and bad["inserted"] == "—"
    assert bad["duration_seconds"] == "—"


def test_each_run_shows_what_triggered_it():
    runs = [
        run("daily", "2024-05-01T06:00:00Z", trigger={}),
        run("window", "2024-05-02T06:00:00Z", trigger={"window": {"from": "2020-04-01"}}),
        run(
            "partner", "2024-05-03T06:00:00Z", trigger={"sources": {"nyt": "s3://b/landing/nyt/x"}}
        ),
    ]
    page = Page(render_dashboard([], runs, GENERATED))
    assert [row["trigger"] for row in page.rows] == ["upload", "backfill", "schedule"]


def test_the_daily_average_is_over_the_day_and_the_six_before():
    assert dashboard.trailing_average([7, 0, 0, 0, 0, 0, 0, 14]) == [
        7.0,
        3.5,
        2.3,
        1.8,
        1.4,
        1.2,
        1.0,
        2.0,
    ]
    days = [day(f"2020-03-{d:02d}", 10 * d) for d in range(1, 11)]
    data = Page(render_dashboard(days, [], GENERATED)).data()
    assert data["average"]["cases"] == [10.0] * 10
    assert data["average_days"] == 7


def test_the_range_selector_spans_the_loaded_days_and_the_download_is_the_table():
    days = [day("2020-03-02", 5, 1, 0), day("2020-03-01", 3)]
    page = Page(render_dashboard(days, [], GENERATED))
    assert (page.by_id["range-from"]["min"], page.by_id["range-from"]["value"]) == (
        "2020-03-01",
        "2020-03-01",
    )
    assert (page.by_id["range-to"]["max"], page.by_id["range-to"]["value"]) == (
        "2020-03-02",
        "2020-03-02",
    )
    href = page.by_id["download-csv"]["href"]
    assert href.startswith("data:text/csv;base64,")
    csv_text = base64.b64decode(href.split(",", 1)[1]).decode()
    assert csv_text == "date,cases,deaths,recovered\n2020-03-01,3,0,0\n2020-03-02,5,1,0\n"


def test_the_dlq_depth_and_the_runs_awaiting_approval_are_shown():
    runs = [
        run("paused", "2024-05-02T06:00:00Z", "AWAITING_APPROVAL", approval_reason="12% revised"),
        run("done", "2024-05-01T06:00:00Z"),
    ]
    page = Page(render_dashboard([], runs, GENERATED, dlq_depth=3))
    assert page.by_id["dlq-depth"]["data-value"] == "3"
    assert "Runs awaiting approval: 1" in page.text_by_id["awaiting"]
    awaiting = [r for r in page.rows if r["data-status"] == "AWAITING_APPROVAL"]
    assert awaiting[0]["data-run-id"] == "paused"
    assert awaiting[0]["approval_reason"] == "12% revised"
    empty = Page(render_dashboard([], runs[1:], GENERATED, dlq_depth=0))
    assert empty.by_id["dlq-depth"]["data-value"] == "0"
    assert "Runs awaiting approval: 0" in empty.text_by_id["awaiting"]


def test_free_text_from_the_data_is_escaped_everywhere():
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    runs = [
        run('r"1<b>', "2024-05-01T06:00:00Z", "FAILED", error=attack),
        run("p", "2024-05-01T05:00:00Z", "AWAITING_APPROVAL", approval_reason=attack),
    ]
    days = [day("2020-03-01</script><script>alert(2)</script>", 1)]
    text = render_dashboard(days, runs, GENERATED + "<b>")
    assert "<img" not in text
    assert "alert(2)</script>" not in text
    assert "<b>" not in text
    page = Page(text)
    assert page.rows[0]["approval_reason"] == attack  # the awaiting table comes first
    page.rows = page.rows[1:]
    assert page.rows[0]["error"] == attack
    assert page.rows[0]["run_id"] == page.rows[0]["data-run-id"] == 'r"1<b>'
    assert page.data()["dates"] == ["2020-03-01</script><script>alert(2)</script>"]
    # Only the three scripts the page itself ships: data, Chart.js, the drawing code.
    assert len([tag for tag, _ in page.tags if tag == "script"]) == 3


def test_a_first_run_with_no_data_and_no_runs_gives_a_readable_page():
    page = Page(render_dashboard([], [], GENERATED))
    assert "No data loaded yet" in page.text_by_id["latest"]
    assert "No data loaded yet" in page.text_by_id["charts"]
    assert "No runs yet" in page.text_by_id["runs"]
    assert page.canvases == []
    assert page.text_by_id["last-loaded"] == "never"
    assert page.data()["dates"] == []


def test_the_page_loads_nothing_and_its_policy_allows_exactly_its_own_scripts():
    text = render_dashboard([day("2020-03-01", 1)], [], GENERATED)
    page = Page(text)
    # The one link is the download, a data: URL: the page itself, fetching nothing.
    links = [a for tag, a in page.tags if "src" in a or "href" in a]
    assert [a["id"] for a in links] == ["download-csv"]
    assert links[0]["href"].startswith("data:text/csv;base64,")
    policy = next(
        a["content"] for tag, a in page.tags if a.get("http-equiv") == "Content-Security-Policy"
    )
    assert "default-src 'none'" in policy
    allowed = set(re.findall(r"'sha256-([^']+)'", policy))
    executable = [body for attrs, body in page.scripts if attrs.get("type") != "application/json"]
    digests = {base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() for b in executable}
    assert len(executable) == 2 and digests == allowed
    assert "sourceMappingURL" not in text


def test_the_vendored_chart_library_is_the_pinned_release():
    readme = (dashboard.CHART_JS_FILE.parent / "README.md").read_text()
    expected = re.search(r"sha256 of `chart.umd.min.js`: `([0-9a-f]{64})`", readme).group(1)
    assert hashlib.sha256(dashboard.CHART_JS_FILE.read_bytes()).hexdigest() == expected
    assert f"Chart.js v{dashboard.CHART_JS_VERSION}" in dashboard.CHART_JS_FILE.read_text()[:200]
    assert (dashboard.CHART_JS_FILE.parent / "LICENSE-chart.js.md").is_file()


def test_a_library_that_would_close_the_inline_script_is_refused(tmp_path: Path, monkeypatch):
    bad = tmp_path / "chart.umd.min.js"
    bad.write_text('var s = "</script>";')
    monkeypatch.setattr(dashboard, "CHART_JS_FILE", bad)
    dashboard._chart_js.cache_clear()
    try:
        with pytest.raises(ValueError, match="cannot be inlined"):
            render_dashboard([], [], GENERATED)
    finally:
        dashboard._chart_js.cache_clear()


def dashboard_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="etl")
    dashboard_server.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["dashboard", *argv])


def test_etl_dashboard_without_a_page_says_to_run_first(tmp_path: Path, capsys):
    args = dashboard_args(["--state-dir", str(tmp_path), "--port", "0"])
    assert args.func(args) == 1
    assert "run `etl run` first" in capsys.readouterr().err


def test_etl_dashboard_refuses_a_busy_port_readably(tmp_path: Path, capsys):
    (tmp_path / "dashboard").mkdir()
    (tmp_path / "dashboard" / "index.html").write_text("<!DOCTYPE html>")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        args = dashboard_args(["--state-dir", str(tmp_path), "--port", str(busy.getsockname()[1])])
        assert args.func(args) == 1
    assert "is in use; pick another with --port" in capsys.readouterr().err


@contextmanager
def served(directory: Path) -> Iterator[tuple[str, int]]:
    """``etl dashboard``'s server on ``directory`` in a thread: its (host, port)."""
    with dashboard_server.make_server(directory, 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server.server_address[:2]
        finally:
            server.shutdown()
            thread.join(5)


def test_the_server_serves_the_page_on_loopback_only_and_uncached(tmp_path: Path):
    page = render_dashboard([day("2020-03-01", 1)], [], GENERATED)
    (tmp_path / "index.html").write_text(page, encoding="utf-8")
    (tmp_path.parent / "secret.txt").write_text("outside")
    with served(tmp_path) as (host, port):
        assert host == "127.0.0.1"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert response.read().decode("utf-8") == page
            assert response.headers["Cache-Control"] == "no-store"
        with pytest.raises(urllib.error.HTTPError, match="404"):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/../secret.txt", timeout=5)


def test_the_server_answers_only_requests_that_name_it(tmp_path: Path):
    """DNS rebinding: a page of evil.example re-resolved to 127.0.0.1 sends its own Host."""
    (tmp_path / "index.html").write_text("<!DOCTYPE html>")
    with served(tmp_path) as (_, port):
        for host in (f"127.0.0.1:{port}", f"localhost:{port}"):
            request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Host": host})
            with urllib.request.urlopen(request, timeout=5) as response:
                assert response.status == 200
        for host in (f"evil.example:{port}", "127.0.0.1", f"127.0.0.1:{port + 1}"):
            request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Host": host})
            with pytest.raises(urllib.error.HTTPError, match="403"):
                urllib.request.urlopen(request, timeout=5)


def test_the_server_never_follows_a_symlink_out_of_its_folder(tmp_path: Path):
    folder = tmp_path / "dashboard"
    folder.mkdir()
    (folder / "index.html").write_text("<!DOCTYPE html>")
    (tmp_path / "secret.txt").write_text("outside")
    (folder / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (folder / "up").symlink_to(tmp_path)
    with served(folder) as (_, port):
        for path in ("leak.txt", "up/secret.txt", "up/"):
            with pytest.raises(urllib.error.HTTPError, match="404"):
                urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}", timeout=5)
