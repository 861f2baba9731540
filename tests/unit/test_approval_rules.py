"""The approval gate's decision (covid_etl/approval.py): which deltas wait for a human."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from covid_etl.approval import (
    Thresholds,
    plan_hash,
    reason,
    rejection_message,
    revisions,
    top_revisions,
)
from covid_etl.records import Change, DailyRecord, plan_delta

DEFAULTS = Thresholds(share=0.05, rows=100, factor=2.0)
START = date(2020, 3, 1)
# 100 loaded days, cases growing by 10 a day.
LOADED = {
    START + timedelta(n): DailyRecord(START + timedelta(n), 10 * n + 10, n, 0) for n in range(100)
}


def planned(delta: list[DailyRecord]) -> list[Change]:
    """The changes PlanLoad would plan for ``delta`` against the loaded days."""
    return plan_delta(sorted(delta), LOADED.values(), []).changes


def bumped(days: int, by: int = 1) -> list[DailyRecord]:
    """The first ``days`` loaded days with ``by`` more cases each."""
    return [
        DailyRecord(r.date, r.cases + by, r.deaths, r.recovered)
        for r in list(LOADED.values())[:days]
    ]


def test_a_small_revision_and_new_days_need_no_approval() -> None:
    new_day = DailyRecord(START + timedelta(100), 2000, 0, 0)
    changes = revisions(planned([*bumped(5), new_day]))
    assert len(changes) == 5  # the new day revises nothing
    assert reason(changes, len(LOADED), DEFAULTS) is None


def test_revising_more_than_the_share_of_loaded_days_asks() -> None:
    changes = revisions(planned(bumped(6)))
    assert reason(changes, len(LOADED), DEFAULTS) == "revises 6 of 100 loaded days (6.0% > 5.0%)"


def test_revising_more_than_n_days_asks_even_under_the_share() -> None:
    thresholds = Thresholds(share=1.0, rows=3, factor=2.0)
    assert reason(revisions(planned(bumped(3))), 100, thresholds) is None
    assert reason(revisions(planned(bumped(4))), 100, thresholds) == "revises 4 days (> 3)"


def test_lowering_a_cumulative_count_by_more_than_the_factor_asks() -> None:
    day = START + timedelta(50)  # 510 cases loaded
    halved = [DailyRecord(day, 255, 50, 0)]
    assert reason(revisions(planned(halved)), 100, DEFAULTS) is None  # exactly x2: not more
    lowered = [DailyRecord(day, 254, 50, 0)]
    assert reason(revisions(planned(lowered)), 100, DEFAULTS) == (
        f"lowers cases of {day} from 510 to 254 (by more than x2)"
    )
    zeroed = [DailyRecord(day, 510, 0, 0)]  # deaths 50 -> 0: an infinite factor
    assert "lowers deaths" in (reason(revisions(planned(zeroed)), 100, DEFAULTS) or "")


def test_the_email_lists_the_largest_revisions_first() -> None:
    changes = revisions(planned([*bumped(2), DailyRecord(START + timedelta(9), 1000, 9, 0)]))
    top = top_revisions(changes, limit=2)
    assert [t["date"] for t in top] == [str(START + timedelta(9)), str(START)]
    assert top[0]["before"] == {"cases": 100, "deaths": 9, "recovered": 0}
    assert top[0]["after"] == {"cases": 1000, "deaths": 9, "recovered": 0}


def test_the_plan_hash_changes_with_the_delta() -> None:
    assert plan_hash(b"date,cases\n2020-03-01,1\n") == plan_hash(b"date,cases\n2020-03-01,1\n")
    assert plan_hash(b"date,cases\n2020-03-01,1\n") != plan_hash(b"date,cases\n2020-03-01,2\n")


def test_the_rejection_says_who_or_the_timeout() -> None:
    assert rejection_message("Rejected", "rejected by alice") == "rejected by alice"
    assert rejection_message("States.Timeout", "").startswith("rejected by timeout")


@pytest.mark.parametrize(
    "share, rows, factor", [(-0.1, 1, 2.0), (1.5, 1, 2.0), (0.05, -1, 2.0), (0.05, 1, 0.5)]
)
def test_thresholds_out_of_range_are_refused(share: float, rows: int, factor: float) -> None:
    with pytest.raises(ValueError, match="out of range"):
        Thresholds(share, rows, factor)
