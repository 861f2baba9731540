"""The us-counties dataset end to end through `etl` on a small generated county file: two runs (new, revised and unchanged counties, a conflicting duplicate (date, fips), a
county without FIPS), the second paused at the approval gate and approved, the export, the
accounting, and the RecordChanged events a subscriber gets. Each command is its `main` in this
process (conftest.etl_here), reading only the state dir, as a process would less its start-up:
a real `etl` process is tested in test_cli.py."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import etl_here, process_state_kept, saved_table
from test_subscribers import Endpoint

from covid_etl.events import RECORD_CHANGED

HEADER = "date,county,state,fips,cases,deaths"
COUNTIES = [(f"{1001 + 2 * n:05d}", f"County {n}", "Alabama") for n in range(30)]
UNKNOWN = ("", "Unknown", "Washington")  # NYT's rows without a FIPS code
# Their cases go up by one in the second file: 4 of 62 loaded county days (6.5 % > 5 %), so the
# second run waits at the approval gate.
REVISED = {("2020-03-02", fips) for fips in ("01003", "01005", "01007", "01009")}
DAY2_01003 = ("2020-03-02", "01003")
QUARANTINED = ("2020-03-03", "01005")  # twice in the second file, with two values


def day_rows(day: str, base: int) -> list[tuple[str, ...]]:
    return [
        (day, county, state, fips, str(base + n), str(n // 10))
        for n, (fips, county, state) in enumerate([*COUNTIES, UNKNOWN])
    ]


def as_file(rows: list[tuple[str, ...]]) -> str:
    return "\n".join([HEADER, *(",".join(row) for row in rows)]) + "\n"


FIRST = day_rows("2020-03-01", 10) + day_rows("2020-03-02", 20)
SECOND_VALID = [
    (d, c, s, f, str(int(cases) + 1) if (d, f) in REVISED else cases, deaths)
    for d, c, s, f, cases, deaths in FIRST
] + day_rows("2020-03-03", 30)
CONFLICTING = ("2020-03-03", "County 2", "Alabama", "01005", "999", "0")
SECOND = SECOND_VALID + [CONFLICTING]


def expected_export(rows: list[tuple[str, ...]]) -> str:
    """date,fips,county,state,cases,deaths by date then fips; a blank FIPS keyed <state>/<county>;
    the quarantined key left out."""
    keyed = sorted(
        (d, f or f"{s}/{c}", c, s, cases, deaths)
        for d, c, s, f, cases, deaths in rows
        if (d, f) != QUARANTINED
    )
    return "\n".join(["date,fips,county,state,cases,deaths", *map(",".join, keyed)]) + "\n"


def counts_of(stdout: str) -> dict[str, int]:
    [line] = re.findall(r"^counts: (.*)$", stdout, re.MULTILINE)
    return {name: int(value) for name, value in (part.split("=") for part in line.split())}


@dataclass
class Runs:
    first: dict[str, int]
    paused: str  # the second run's output, at the gate
    second: dict[str, int]  # its counts once approved
    second_stdout: str
    export: str
    us_table: list[dict[str, str]]
    events: list[dict]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    folder = tmp_path_factory.mktemp("counties")
    state_dir = folder / "state"
    endpoint = Endpoint()
    first_file, second_file = folder / "first.csv", folder / "second.csv"
    first_file.write_text(as_file(FIRST))
    second_file.write_text(as_file(SECOND))
    try:
        with process_state_kept():  # the embedded accounts' environment stays in here
            first = run(state_dir, first_file)
            # Subscribed from the second run on: its events are the county delta's.
            subscription = [{"name": "counties", "url": endpoint.url}]
            (state_dir / "subscribers.json").write_text(json.dumps(subscription))
            paused = run(state_dir, second_file, exit_code=3)
            [run_id] = re.findall(r"^run (run-\S+): AWAITING_APPROVAL", paused, re.MULTILINE)
            approved = etl_here("approve", run_id, state_dir=state_dir)
            exported = etl_here("export", "--dataset", "us-counties", state_dir=state_dir)
    finally:
        endpoint.server.shutdown()
    assert approved.returncode == 0, approved.stdout + approved.stderr
    assert exported.returncode == 0, exported.stderr
    return Runs(
        first=counts_of(first),
        paused=paused,
        second=counts_of(approved.stdout),
        second_stdout=approved.stdout,
        export=exported.stdout,
        us_table=saved_table(state_dir),
        events=[e for e in endpoint.events if e["detail-type"] == RECORD_CHANGED],
    )


def run(state_dir: Path, county_file: Path, exit_code: int = 0) -> str:
    done = etl_here(
        "run", "--dataset", "us-counties", "--source", f"nyt={county_file}", state_dir=state_dir
    )
    assert done.returncode == exit_code, done.stdout + done.stderr
    return done.stdout


def test_the_export_is_the_second_file_keyed_by_date_and_fips(runs: Runs) -> None:
    assert runs.export == expected_export(SECOND_VALID)
    assert "2020-03-01,Washington/Unknown,Unknown,Washington," in runs.export
    # The national series' table is another table: untouched by the county runs.
    assert runs.us_table == []


def test_the_first_run_loads_every_row(runs: Runs) -> None:
    c = runs.first
    assert c["extracted"] == len(FIRST) == c["inserted"]
    assert c["rejected"] == c["updated"] == c["unchanged"] == c["queued"] == 0


def test_the_second_run_accounts_for_every_extracted_row(runs: Runs) -> None:
    c = runs.second
    new_counties = len(COUNTIES) + 1 - 1  # day three, less the quarantined county
    assert (c["extracted"], c["rejected"]) == (len(SECOND), 2)
    revised = len(REVISED)
    assert (c["inserted"], c["updated"], c["unchanged"]) == (
        new_counties,
        revised,
        len(FIRST) - revised,
    )
    assert c["inserted"] + c["updated"] + c["unchanged"] + c["rejected"] == c["extracted"]
    assert c["dropped_by_join"] == c["queued"] == 0
    assert "accounting: OK" in runs.second_stdout


def test_the_duplicate_date_and_fips_is_rejected_with_its_reason(runs: Runs) -> None:
    reason = "conflicting duplicates of 2020-03-03, fips 01005 on lines 66, 95: key quarantined"
    assert runs.second_stdout.count(reason) == 2


def test_the_revisions_wait_at_the_approval_gate_counted_in_county_days(runs: Runs) -> None:
    assert "revises 4 of 62 loaded days (6.5% > 5.0%)" in runs.paused
    assert "Approved by: local:" in runs.second_stdout


def test_the_record_changed_events_are_the_changed_counties(runs: Runs) -> None:
    expected = {(d, f or f"{s}/{c}") for d, c, s, f, *_ in day_rows("2020-03-03", 30)}
    expected = (expected - {QUARANTINED}) | REVISED
    delivered = [(e["detail"]["date"], e["detail"]["fips"]) for e in runs.events]
    assert sorted(delivered) == sorted(expected)  # each once
    [revised] = [
        e["detail"] for e in runs.events if (e["detail"]["date"], e["detail"]["fips"]) == DAY2_01003
    ]
    assert revised["change"] == "revised" and revised["before"] == {"cases": 21, "deaths": 0}
    assert revised["after"] == {"county": "County 1", "state": "Alabama", "cases": 22, "deaths": 0}
    assert revised["id"].endswith("/2020-03-02/01003")
