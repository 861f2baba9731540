"""Rebuild's job (covid_etl/rebuild.py: the Batch job the Rebuild state submits, not a Lambda)
against the in-memory AWS layer: it plans every staged day against the loaded table, not the
snapshot, and writes the snapshot from what is loaded. Its entrypoint's refusals are in
tests/unit/test_rebuild_entrypoint.py; the whole run, through the state machine, in
tests/e2e/test_rebuild.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from fake_aws import SETTINGS, fake_aws_layer

from covid_etl import keys, rebuild
from covid_etl.records import DailyRecord, read_csv, to_csv

D1, D2, D3 = (date(2020, 3, day) for day in (1, 2, 3))
STAGED = [DailyRecord(D1, 1, 0, 0), DailyRecord(D2, 2, 0, 0), DailyRecord(D3, 3, 0, 0)]


def rebuilt(monkeypatch: pytest.MonkeyPatch, table: list[DailyRecord], snapshot: bytes | None):
    """The plan of a rebuild of STAGED against this table and snapshot, and the fake AWS after."""
    fake_aws = fake_aws_layer(monkeypatch)
    monkeypatch.setattr(rebuild, "aws", fake_aws)
    fake_aws.table = {r.date: r for r in table}
    fake_aws.objects[("data", keys.daily("r1"))] = to_csv(STAGED)
    if snapshot is not None:
        fake_aws.objects[("data", keys.SNAPSHOT)] = snapshot
    return rebuild.rebuild(SETTINGS, "r1", "2020-03-04"), fake_aws


def test_a_day_the_snapshot_hides_is_planned_from_what_is_loaded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    damaged = replace(STAGED[1], cases=9)  # loaded wrong; the snapshot says it is right
    plan, fake_aws = rebuilt(monkeypatch, [STAGED[0], damaged, STAGED[2]], to_csv(STAGED))
    assert (plan["revised"], plan["new"], plan["unchanged"], plan["delta"]) == (1, 0, 2, 1)
    delta = read_csv(fake_aws.objects[("data", plan["delta_key"])])
    assert [(r["date"], r["cases"], r["kind"]) for r in delta] == [("2020-03-02", "2", "revised")]
    # The snapshot now holds what is loaded: the next daily run diffs against the table.
    assert fake_aws.objects[("data", keys.SNAPSHOT)] == to_csv([STAGED[0], damaged, STAGED[2]])


def test_a_lost_snapshot_is_written_again_from_the_table_and_nothing_is_planned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plan, fake_aws = rebuilt(monkeypatch, STAGED, snapshot=None)
    assert (plan["unchanged"], plan["delta"]) == (len(STAGED), 0)
    assert fake_aws.objects[("data", keys.SNAPSHOT)] == to_csv(STAGED)
